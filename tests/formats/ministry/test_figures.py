"""A Tour's figures: rounds by NumTour, turnout, candidates and lists, each bad one named."""

from __future__ import annotations

from bot.formats.ministry import parse
from tests.formats.ministry.support import (
    FETCHED,
    fixture,
    race,
    read,
    reject,
)


def test_fe_round_option_picks_round_one() -> None:
    snap = read("FE_T2.xml", round=1)
    assert snap.election == "presidentielle-2017-t1"
    fe = race(snap, "FE")
    assert [c.id for c in fe.candidates] == ["1", "2", "3", "8", "9", "10", "12"]
    assert fe.candidate("2") is not None
    assert fe.candidate("2").votes == 7_412_033  # type: ignore[union-attr]
    assert fe.candidate("10").name == "François BAVÉLÈRE"  # type: ignore[union-attr]
    assert fe.turnout.registered == 31_402_117
    assert fe.turnout.valid == fe.votes_cast == 25_175_252


def test_round_is_chosen_by_numtour_not_by_position() -> None:
    data = fixture("FE_T2.xml").decode("utf-8")
    head, tours = data.split("<Tours>\n")
    first, second = tours.split("    </Tour>\n", 1)
    swapped = f"{head}<Tours>\n{second.split('  </Tours>')[0]}{first}    </Tour>\n  </Tours>\n"
    swapped += "</Election>\n"
    assert swapped.index("<NumTour>2</NumTour>") < swapped.index("<NumTour>1</NumTour>")
    snap = parse(swapped.encode(), "FE.xml", {}, FETCHED)
    assert len(race(snap, "FE").candidates) == 2
    snap = parse(swapped.encode(), "FE.xml", {"round": 1}, FETCHED)
    assert len(race(snap, "FE").candidates) == 7


def test_a_round_absent_from_the_file_gives_races_without_results() -> None:
    snap = read("02Acom_T2_v1.xml", round=3)
    assert snap.election.endswith("-t3")
    assert all(not r.has_results for r in snap.races)
    assert race(snap, "D02A").units.counted == 0


def test_list_elections_read_listes() -> None:
    data = """<?xml version="1.0" encoding="UTF-8"?>
<Election><EnsembleGeo><Tours><Tour><NumTour>1</NumTour>
  <Mentions><Inscrits><Nombre>1000</Nombre></Inscrits><Votants><Nombre>600</Nombre></Votants>
    <Blancs><Nombre>10</Nombre></Blancs><Nuls><Nombre>5</Nombre></Nuls>
    <Exprimes><Nombre>585</Nombre></Exprimes></Mentions>
  <Resultats><Listes>
    <Liste><NumPanneauListe>3</NumPanneauListe><NomListe>L'Europe d'abord</NomListe>
      <NbVoix>400</NbVoix><RapportExprimes>68,38</RapportExprimes></Liste>
    <Liste><NomTeteListe>DURAND</NomTeteListe><PrenomTeteListe>Marcel</PrenomTeteListe>
      <NbVoix>185</NbVoix></Liste>
  </Listes></Resultats></Tour></Tours></EnsembleGeo></Election>"""
    fe = race(parse(data.encode(), "R1FE.xml", {}, FETCHED), "FE")
    assert [(c.id, c.name, c.votes, c.published_share) for c in fe.candidates] == [
        ("3", "L'Europe d'abord", 400, 68.38),
        ("marcel-durand", "Marcel DURAND", 185, None),
    ]


def test_missing_required_element_is_named() -> None:
    data = fixture("FE_T2.xml").replace(b"<Nombre>24606959</Nombre>", b"")
    err = reject(data)
    assert err.field == "Election/Tours/Tour[NumTour=2]/Mentions/Votants/Nombre"
    assert err.value is None
    assert err.reason == "missing required element"


def test_missing_mention_is_named() -> None:
    data = fixture("R1_2A_2024.xml")
    start = data.index(b"<Exprimes>")
    end = data.index(b"</Exprimes>") + len(b"</Exprimes>")
    err = reject(data[:start] + data[end:], "R1.xml")
    assert err.field == (
        "Election/EnsembleGeo/Region/Departement/Communes/Commune[CodCom=2A004]"
        "/Tours/Tour[NumTour=1]/Mentions/Exprimes"
    )


def test_duplicate_candidate_ids() -> None:
    data = fixture("FE_T2.xml").replace(b"<NumPanneauCand>9<", b"<NumPanneauCand>2<")
    err = reject(data)
    assert "unique" in err.reason


def test_a_candidate_carries_its_nuance_where_the_file_has_one() -> None:
    # Legislative files carry CodNuaCand and LibNuaCand; presidential ones have neither.
    data = fixture("02Acom_T2_v1.xml").decode("utf-8")
    data = data.replace(
        "<NumPanneauCand>2</NumPanneauCand>",
        "<NumPanneauCand>2</NumPanneauCand><CodNuaCand> NUP </CodNuaCand>"
        "<LibNuaCand>Nouvelle union populaire</LibNuaCand>",
    ).replace(
        "<NumPanneauCand>9</NumPanneauCand>",
        "<NumPanneauCand>9</NumPanneauCand><LibNuaCand>Divers droite</LibNuaCand>",
    )
    snap = parse(data.encode(), "02Acom.xml", {}, FETCHED)

    for place in snap.races:  # every commune, and the département summed from them
        parties = {c.id: c.party for c in place.candidates}
        if not place.candidates:
            continue  # a commune not in yet
        assert parties == {"2": "NUP", "9": "Divers droite"}, place.id
    assert all(c.party is None for r in read("02Acom_T2_v1.xml").races for c in r.candidates)


def test_list_nuances_are_read_too() -> None:
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<Election><EnsembleGeo><Tours><Tour><NumTour>1</NumTour>
  <Mentions><Inscrits><Nombre>100</Nombre></Inscrits><Votants><Nombre>60</Nombre></Votants>
    <Exprimes><Nombre>60</Nombre></Exprimes></Mentions>
  <Resultats><Listes>
    <Liste><NumPanneauListe>3</NumPanneauListe><NomListe>Demain</NomListe>
      <CodNuaListe>LUG</CodNuaListe><NbVoix>60</NbVoix></Liste>
  </Listes></Resultats></Tour></Tours></EnsembleGeo></Election>"""
    fe = race(parse(data, "R1FE.xml", {}, FETCHED), "FE")

    assert [(c.name, c.party) for c in fe.candidates] == [("Demain", "LUG")]
