"""The Ministry XML parser: both dialects, rounds by NumTour, and every bad input named."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, load
from bot.formats.errors import FeedError
from bot.formats.ministry import FORMAT, check_options, parse
from bot.formats.registry import PARSERS
from bot.models import Race, Snapshot

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "fr_interior"
PARIS = ZoneInfo("Europe/Paris")
FETCHED = datetime(2017, 5, 7, 18, 30, tzinfo=UTC)
REPLAY = [FIXTURES / f"02Acom_T2_v{i}.xml" for i in range(1, 5)]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def read(name: str, **options: object) -> Snapshot:
    return parse(fixture(name), name, options, FETCHED)


def race(snap: Snapshot, race_id: str) -> Race:
    found = snap.race(race_id)
    assert found is not None, [r.id for r in snap.races]
    return found


def reject(data: bytes, origin: str = "resultatsT2/FE.xml", **options: object) -> FeedError:
    with pytest.raises(FeedError) as caught:
        parse(data, origin, options, FETCHED)
    assert str(caught.value).startswith(f"{origin}: ")
    return caught.value


# --- France entière, 2017 dialect -----------------------------------------------------------


def test_fe_reads_the_highest_round_with_its_counts() -> None:
    snap = read("FE_T2.xml")
    assert snap.election == "presidentielle-2017-t2"
    assert snap.updated_at == FETCHED
    fe = race(snap, "FE")
    assert (fe.name, fe.level, fe.code, fe.final) == ("France entière", "national", "FE", False)
    assert (fe.units.counted, fe.units.total) == (0, None)
    t = fe.turnout
    assert (t.registered, t.voters, t.blank, t.null, t.valid) == (
        31_403_992,
        24_606_959,
        2_012_554,
        702_318,
        21_892_087,
    )
    assert [(c.id, c.name, c.votes) for c in fe.candidates] == [
        ("2", "Achille MIREPOIX", 13_890_210),
        ("9", "Patrick POMPANON", 8_001_877),
    ]
    assert [c.published_share for c in fe.candidates] == [63.45, 36.55]
    assert fe.candidates[0].share == pytest.approx(100 * 13_890_210 / 21_892_087)
    assert fe.votes_cast == t.valid


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


def test_without_a_data_time_the_fetch_time_dates_the_snapshot() -> None:
    # The fetch time is an argument of every parse: a file without DateDerMaj is never
    # undated (it was rejected when a caller gave no fetch time).
    later = datetime(2017, 5, 7, 19, tzinfo=UTC)
    assert parse(fixture("FE_T2.xml"), "FE.xml", {}, later).updated_at == later
    assert read("075com_T2.xml").updated_at != FETCHED  # the file's own time comes first


# --- commune files, 2017 dialect ------------------------------------------------------------


def test_paris_commune_file_keeps_codes_and_does_not_double_count() -> None:
    snap = read("075com_T2.xml")
    assert snap.updated_at == datetime(2017, 5, 7, 21, 42, 10, tzinfo=PARIS)
    assert [r.id for r in snap.races] == [
        "D075",
        "C075056",
        "C075056AR01",
        "C075056AR02",
        "C075056AR03",
    ]
    dept, paris, first = race(snap, "D075"), race(snap, "C075056"), race(snap, "C075056AR01")
    assert (dept.level, dept.code, dept.name) == ("département", "075", "Paris")
    assert (first.level, first.code, first.name) == (
        "commune",
        "056AR01",
        "Paris 1er arrondissement",
    )
    assert (first.units.counted, first.units.total) == (1, 1)
    # 056 holds its arrondissements: the département sums it once, not twice.
    assert dept.turnout == paris.turnout
    assert dept.turnout.registered == 11_285 + 14_893 + 22_338
    assert [c.votes for c in dept.candidates] == [22_713, 4_690]
    assert [c.published_share for c in dept.candidates] == [None, None]
    assert [c.published_share for c in first.candidates] == [83.04, 16.96]


def test_corsica_codes_stay_strings_with_their_zeros() -> None:
    snap = read("02Acom_T2_v4.xml")
    dept = race(snap, "D02A")
    assert (dept.code, dept.name) == ("02A", "Corse-du-Sud")
    ajaccio = race(snap, "C02A004")
    assert (ajaccio.code, ajaccio.name) == ("004", "Ajaccio")
    assert race(snap, "C02A017").code == "017"
    sartene = race(snap, "C02A272")
    assert sartene.name == "Sartène"


def test_departement_progress_counts_communes_received() -> None:
    progress = []
    for path in REPLAY:
        dept = race(parse(path.read_bytes(), path.name, {}, FETCHED), "D02A")
        progress.append((dept.units.counted, dept.units.total))
    assert progress == [(1, 6), (3, 6), (5, 6), (6, 6)]
    last = race(parse(REPLAY[-1].read_bytes(), "v4", {}, FETCHED), "D02A")
    assert last.turnout.valid == last.votes_cast == 34_981
    assert [c.votes for c in last.candidates] == [21_067, 13_914]


def test_commune_without_round_figures_is_zero_of_one() -> None:
    snap = read("02Acom_T2_v1.xml")
    bonifacio = race(snap, "C02A041")
    assert (bonifacio.units.counted, bonifacio.units.total) == (0, 1)
    assert bonifacio.candidates == ()
    assert not bonifacio.has_results


def test_communes_option_keeps_some_communes_and_the_whole_aggregate() -> None:
    snap = read("075com_T2.xml", communes=["056AR01", "075056AR03"])
    assert [r.id for r in snap.races] == ["D075", "C075056AR01", "C075056AR03"]
    assert race(snap, "D075").turnout.registered == 48_516
    snap = read("02Acom_T2_v4.xml", communes=["C02A004"])
    assert [r.id for r in snap.races] == ["D02A", "C02A004"]


# --- 2024+ dialect --------------------------------------------------------------------------


def test_2024_dialect() -> None:
    snap = read("R1_2A_2024.xml")
    assert snap.election == "presidentielle-2027-t1"
    assert snap.updated_at == datetime(2027, 4, 11, 21, 30, tzinfo=PARIS)
    assert [r.id for r in snap.races] == ["D02A", "C02A004", "C02A041", "C02A247"]
    dept = race(snap, "D02A")
    assert (dept.code, dept.level, dept.final) == ("02A", "département", False)
    # PourcentageBureauxDeVoteSaisis "  62,50" → 6250 of 10000.
    assert (dept.units.counted, dept.units.total) == (6250, 10_000)
    assert dept.units.pct == pytest.approx(62.5)
    ajaccio = race(snap, "C02A004")
    assert ajaccio.code == "2A004"
    assert [(c.id, c.name, c.votes, c.published_share) for c in ajaccio.candidates] == [
        ("1", "Frédéric HORTALA", 9_400, 45.8),
        ("2", "Achille MIREPOIX", 8_120, 39.56),
        ("10", "François BAVÉLÈRE", 3_004, 14.64),
    ]
    assert ajaccio.turnout.voters == 812 + 402 + 20_524
    # ResultatsParvenus NON: listed, not received.
    porto = race(snap, "C02A247")
    assert (porto.units.counted, porto.has_results) == (0, False)
    assert [c.votes for c in dept.candidates] == [9_400 + 610, 8_120 + 590, 3_004 + 180]


def test_2024_complete_flag_marks_the_place_final() -> None:
    data = fixture("R1_2A_2024.xml").replace(b"<Complet>NON<", b"<Complet>OUI<")
    assert race(parse(data, "R1.xml", {}, FETCHED), "D02A").final


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


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ("  63,45", 63.45),
        ("\u00a063,45", 63.45),
        ("63,45\u202f%", 63.45),
        ("63,45 %", 63.45),
        (" 63.45 ", 63.45),
        ("", None),
        ("   ", None),
    ],
)
def test_published_percentages_with_comma_and_padding(published: str, expected: float) -> None:
    data = fixture("FE_T2.xml").replace(
        b"<RapportExprime>  63,45</RapportExprime>",
        f"<RapportExprime>{published}</RapportExprime>".encode(),
    )
    mirepoix = race(parse(data, "FE.xml", {}, FETCHED), "FE").candidates[0]
    assert mirepoix.published_share == expected
    assert mirepoix.share == pytest.approx(63.448, abs=0.001)


def test_counts_with_spaces_are_read() -> None:
    data = fixture("FE_T2.xml").replace(
        b"<NbVoix>8001877<", "<NbVoix> 8\u202f001\u00a0877 <".encode()
    )
    assert race(parse(data, "FE.xml", {}, FETCHED), "FE").candidates[1].votes == 8_001_877


# --- bad input --------------------------------------------------------------------------------


def test_truncated_file_names_the_open_element() -> None:
    data = fixture("075com_T2.xml")
    cut = data[: data.index(b"<NbVoix>5291</NbVoix>") + len(b"<NbVoix>52")]
    err = reject(cut, "075/075com.xml")
    assert err.field.startswith("Election/Departement/Communes/Commune[CodSubCom=056AR01]/Tours/")
    assert err.field.endswith(
        "Tour[NumTour=2]/Resultats/Candidats/Candidat[NumPanneauCand=2]/NbVoix"
    )
    assert "<NbVoix>52" in str(err.value)
    assert "invalid XML" in err.reason


@pytest.mark.parametrize("name", ["FE_T2.xml", "075com_T2.xml", "R1_2A_2024.xml"])
def test_any_truncation_is_a_feed_error(name: str) -> None:
    data = fixture(name)
    for end in range(0, len(data) - 20, 97):
        with pytest.raises(FeedError):
            parse(data[:end], name, {}, FETCHED)


def test_bytes_invalid_in_the_declared_encoding() -> None:
    data = fixture("075com_T2.xml").replace(
        "Île-de-France".encode(), "Île-de-France".encode("latin-1")
    )
    err = reject(data, "075/075com.xml")
    assert err.field == "Election/Departement/LibReg"
    assert err.value == "Île-de-France".encode("latin-1")[:8]
    assert "utf-8" in err.reason.lower()


def test_a_declared_encoding_is_honoured() -> None:
    data = (
        fixture("075com_T2.xml")
        .decode("utf-8")
        .replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
        .encode("latin-1")
    )
    snap = parse(data, "075com.xml", {}, FETCHED)
    assert race(snap, "D075").name == "Paris"


BOMB = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Election [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
  <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
  <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
"""


@pytest.mark.parametrize("where", ["LibDpt", "LibSubCom"])
def test_entity_bomb_is_refused(where: str) -> None:
    body = fixture("075com_T2.xml").split(b"?>\n", 1)[1]
    body = body.replace(f"<{where}>Paris</{where}>".encode(), f"<{where}>&g;</{where}>".encode())
    err = reject(BOMB + body, "075/075com.xml")
    assert "DOCTYPE" in err.field
    assert "entity" in err.reason


def test_external_entity_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    doc = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<!DOCTYPE Election [ <!ENTITY x SYSTEM "'
        + secret.as_uri().encode()
        + b'"> ]>\n'
        + fixture("FE_T2.xml")
        .split(b"?>\n", 1)[1]
        .replace(b"<Annee>2017</Annee>", b"<Annee>&x;</Annee>")
    )
    err = reject(doc, "FE.xml")
    assert "DOCTYPE" in err.field
    assert "TOP-SECRET" not in str(err)


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


def test_unparsable_count_names_element_and_value() -> None:
    data = fixture("FE_T2.xml").replace(b"<NbVoix>13890210<", b"<NbVoix>13 890 21O<")
    err = reject(data)
    assert err.field == (
        "Election/Tours/Tour[NumTour=2]/Resultats/Candidats/Candidat[NumPanneauCand=2]/NbVoix"
    )
    assert err.value == "13 890 21O"
    assert "whole number" in err.reason
    assert "'13 890 21O'" in str(err)


def test_unparsable_count_in_a_commune() -> None:
    data = fixture("075com_T2.xml").replace(b"<Nombre>11285<", b"<Nombre>-11285<")
    err = reject(data, "075com.xml")
    assert err.field == (
        "Election/Departement/Communes/Commune[CodSubCom=056AR01]"
        "/Tours/Tour[NumTour=2]/Mentions/Inscrits/Nombre"
    )
    assert err.value == "-11285"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (b"<RapportExprime>  63,45<", b"<RapportExprime>  63;45<", "RapportExprime"),
        (b"<RapportExprime>  63,45<", b"<RapportExprime> 163,45<", "RapportExprime"),
        (b"<NumTour>2<", b"<NumTour>deux<", "NumTour"),
        (b"<NbVoix>8001877<", b"<NbVoix>" + b"9" * 40 + b"<", "NbVoix"),
    ],
)
def test_other_unparsable_numbers(old: bytes, new: bytes, field: str) -> None:
    err = reject(fixture("FE_T2.xml").replace(old, new))
    assert err.field.endswith(f"/{field}")
    assert err.value == new[len(field) + 2 : -1].decode()


@pytest.mark.parametrize(
    ("date", "heure"),
    [("31-02-2017", "21:42:10"), ("2017-05-07", "21:42:10"), ("07-05-2017", "9h42")],
)
def test_bad_timestamps(date: str, heure: str) -> None:
    data = fixture("075com_T2.xml").replace(
        b"<DateDerMaj>07-05-2017</DateDerMaj><HeureDerMaj>21:42:10</HeureDerMaj>".replace(
            b"><", b">\n    <"
        ),
        f"<DateDerMaj>{date}</DateDerMaj>\n    <HeureDerMaj>{heure}</HeureDerMaj>".encode(),
    )
    assert data != fixture("075com_T2.xml")
    err = reject(data, "075com.xml")
    assert err.field.startswith("Election/Departement/")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<html><body>Maintenance</body></html>",
        b"<!DOCTYPE html>\n<html><head><title>404</title></head></html>",
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Election><Scrutin/></Election>',
        b'<?xml version="1.0" encoding="X-NOPE"?>\n<Election/>',
        b"\xff\xfe\x00garbage",
    ],
)
def test_not_a_results_file(data: bytes) -> None:
    reject(data, "resultatsT1/FE.xml")


def test_duplicate_candidate_ids() -> None:
    data = fixture("FE_T2.xml").replace(b"<NumPanneauCand>9<", b"<NumPanneauCand>2<")
    err = reject(data)
    assert "unique" in err.reason


# --- options --------------------------------------------------------------------------------


def test_check_options() -> None:
    assert check_options({}) == []
    assert check_options({"round": 2, "communes": ["056AR01", "075056"]}) == []
    assert check_options({"round": "x"}) == ["round: expected a whole number, not 'x'"]
    assert check_options({"round": True}) == ["round: expected a whole number, not True"]
    assert check_options({"round": 0}) == ["round: expected 1 or more, not 0"]
    assert check_options({"communes": "056"}) == [
        "communes: expected a list of commune codes, not '056'"
    ]
    assert check_options({"communes": ["056", 56]}) == [
        'communes[1]: expected a commune code as a string (e.g. "056AR01"), not 56'
    ]
    # The fetch time is an argument of parse, no longer an option: the key is unknown.
    assert check_options({"_fetched_at": FETCHED}) == [
        "_fetched_at: unknown option (this format takes round, communes)"
    ]
    assert check_options({"tour": 2}) == [
        "tour: unknown option (this format takes round, communes)"
    ]


def test_parse_refuses_bad_options() -> None:
    err = reject(fixture("FE_T2.xml"), round="x")
    assert err.field == "(options)"
    assert err.reason == "round: expected a whole number, not 'x'"


def test_registered_and_checked_from_the_config(tmp_path: Path) -> None:
    assert PARSERS[FORMAT].parse is parse
    assert PARSERS[FORMAT].check is check_options
    feed = tmp_path / "FE.xml"
    feed.write_bytes(fixture("FE_T2.xml"))
    good = _config(tmp_path, [feed], 'round = 2\ncommunes = ["056"]')
    assert load(good).sources[0].options == {"round": 2, "communes": ["056"]}
    bad = _config(tmp_path, [feed], 'round = "x"')
    with pytest.raises(ConfigError, match=r"sources\[0\]\.options\.round: expected a whole"):
        load(bad)


def _config(tmp_path: Path, files: list[Path], options: str) -> Path:
    path = tmp_path / "soiree.toml"
    replay = ", ".join(json.dumps(str(f)) for f in files)
    path.write_text(
        'locale = "fr"\n\n[[sources]]\nid = "ministere"\nformat = "fr-interior-xml"\n'
        f"replay = [{replay}]\n\n[sources.options]\n{options}\n",
        encoding="utf-8",
    )
    return path


# --- replay through the command line ---------------------------------------------------------


def test_replay_from_first_communes_to_complete(tmp_path: Path) -> None:
    config = _config(tmp_path, REPLAY, "round = 2")
    files = [str(p) for p in REPLAY]
    args = ["--source-format", FORMAT, "--format", "jsonl", "--config", str(config)]
    db = str(tmp_path / "r.db")
    result = _bot("replay", *files, *args, "--db", db)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert not [e for e in events if e["kind"] in ("rejected", "anomaly")], events
    keys = [e["key"] for e in events]
    assert len(keys) == len(set(keys)), keys
    dept = [
        (e["kind"], e.get("threshold"), Path(e["file"]).name) for e in events if e["race"] == "D02A"
    ]
    assert dept == [
        ("caught_up", None, "02Acom_T2_v1.xml"),
        ("reporting_threshold", 50, "02Acom_T2_v2.xml"),
        ("reporting_threshold", 75, "02Acom_T2_v3.xml"),
        ("final", None, "02Acom_T2_v4.xml"),
    ]
    by_key = {e["key"]: e for e in events}
    assert by_key["D02A:reporting:50"]["covers"] == ["D02A:reporting:25"]
    assert by_key["D02A:final"]["covers"] == ["D02A:reporting:90", "D02A:reporting:100"]
    assert "Corse-du-Sud" in by_key["D02A:final"]["text"]
    communes = {e["race"] for e in events if e["race"].startswith("C02A")}
    assert communes == {"C02A004", "C02A041", "C02A247", "C02A272", "C02A017", "C02A108"}
    for commune in communes - {"C02A004"}:
        kinds = [e["kind"] for e in events if e["race"] == commune]
        assert kinds == ["first_results", "final"], (commune, kinds)
    again = _bot("replay", *files, *args, "--db", db)
    assert again.returncode == 0, again.stderr
    assert again.stdout == ""


def test_replay_without_config_uses_the_highest_round(tmp_path: Path) -> None:
    files = [str(p) for p in REPLAY]
    result = _bot("replay", *files, "--source-format", FORMAT, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    kinds = [json.loads(line)["kind"] for line in result.stdout.splitlines() if line.strip()]
    assert kinds[0] == "caught_up"
    assert kinds.count("final") == 6  # C02A004 was caught up, already complete


def _bot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
