"""The header: mapped columns matched by name, wide-layout candidates found by pattern."""

from __future__ import annotations

from bot.formats.csvfeed import parse
from tests.formats.csvfeed.support import (
    BREST,
    BREST_UTF8,
    FETCHED,
    LONG,
    ORIGIN,
    lines,
    no_anomalies,
    reject,
)


def test_long_layout_with_explicit_columns_and_a_constant_race() -> None:
    data = lines(
        "Candidat,Voix,Pourcentage,Bureaux dépouillés,Bureaux",
        'Benoît Hamon,"650 000","58,65 %",4422,7370',
        'Manuel Valls,"458 180","41,35 %",4422,7370',
    )
    options = {
        "race_id": "national",
        "race_name": "Primaire, 2nd tour",
        "columns": {
            "candidate_name": "candidat",
            "votes": "VOIX",
            "share": "Pourcentage",
            "units_counted": "Bureaux dépouillés",
            "units_total": "Bureaux",
        },
    }

    snap = parse(data, ORIGIN, options, FETCHED)

    (race,) = snap.races
    assert (race.id, race.name, race.code) == ("national", "Primaire, 2nd tour", None)
    assert (race.units.counted, race.units.total) == (4422, 7370)
    assert [(c.id, c.votes, c.published_share) for c in race.candidates] == [
        ("benoit-hamon", 650000, 58.65),
        ("manuel-valls", 458180, 41.35),
    ]
    assert snap.updated_at == FETCHED
    assert snap.election == "resultats"


def test_numbered_blocks_of_a_data_gouv_file() -> None:
    """The 2024 data.gouv shape: every block numbered, names in cells, a padded last block."""
    header = (
        "Code département;Code commune;Code BV;Inscrits;Votants;Exprimés;Blancs;Nuls;"
        "Numéro de panneau 1;Nom candidat 1;Prénom candidat 1;Voix 1;% Voix/exprimés 1;"
        "Numéro de panneau 2;Nom candidat 2;Prénom candidat 2;Voix 2;% Voix/exprimés 2;"
        "Numéro de panneau 3;Nom candidat 3;Prénom candidat 3;Voix 3;% Voix/exprimés 3"
    )
    data = lines(
        header,
        '"01";"01004";"0001";1024;702;680;15;7;1;MARTIN;Alice;371;"54,56%";2;DURAND;Bruno;309;"45,44%";;;;;',
        '"01";"01004";"0002";990;650;630;12;8;2;DURAND;Bruno;330;"52,38%";1;MARTIN;Alice;300;"47,62%";;;;;',
    )
    options = {
        "layout": "wide",
        "race_id": "01-1",
        "columns": {
            "registered": "Inscrits",
            "voters": "Votants",
            "valid": "Exprimés",
            "blank": "Blancs",
            "null": "Nuls",
        },
        "candidate_votes": r"^Voix (?P<key>\d+)$",
        "candidate_share": r"^% Voix/exprimés (?P<key>\d+)$",
        "candidate_name": [r"^Prénom candidat (?P<key>\d+)$", r"^Nom candidat (?P<key>\d+)$"],
        "candidate_id": r"^Numéro de panneau (?P<key>\d+)$",
    }

    snap = parse(data, ORIGIN, options, FETCHED)

    (race,) = snap.races
    assert [(c.id, c.name, c.votes) for c in race.candidates] == [
        ("1", "Alice MARTIN", 671),
        ("2", "Bruno DURAND", 639),
    ]
    assert (race.units.counted, race.units.total, race.turnout.valid) == (2, 2, 1310)
    no_anomalies(snap)
    one_bureau = parse(b"\n".join(data.splitlines()[:2]), ORIGIN, options, FETCHED)
    assert [c.published_share for c in one_bureau.races[0].candidates] == [54.56, 45.44]


def test_a_mapped_column_missing_from_the_header() -> None:
    err = reject(LONG, {"columns": {"candidate_name": "candidate_name", "votes": "votes"}})

    assert (err.field, err.value) == ("columns.votes", "votes")
    assert "no such column" in err.reason
    assert "'voix'" in err.reason


def test_a_pattern_that_matches_no_column() -> None:
    options = {**BREST, "candidate_votes": "^(?P<name>.+) - voix$"}
    del options["candidate_share"]

    err = reject(BREST_UTF8, options)

    assert err.field == "line 1"
    assert "candidate_votes" in err.reason
