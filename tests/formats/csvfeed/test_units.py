"""Records folded into races and units: bureaux, aggregation, agreement, the data time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.formats.csvfeed import parse
from bot.models import Units
from tests.formats.csvfeed.support import (
    BLOCK_HEADER,
    BLOCK_OPTIONS,
    BREST,
    BUREAU_HEADER,
    FETCHED,
    ORIGIN,
    PARIS,
    STAMPED,
    brest,
    lines,
    reject,
    stamped,
)


def test_long_layout_sums_bureau_rows_by_unit() -> None:
    data = lines(
        "bureau;circo;inscrits;votants;nom;voix",
        "0001;01;1000;600;Alice;350",
        "0001;01;1000;600;Bruno;250",
        "0002;01;800;400;Alice;100",
        "0002;01;800;400;Bruno;300",
        "0003;01;900;;Alice;",
        "0003;01;900;;Bruno;",
        "0001;02;700;500;Chloé;500",
    )
    options = {
        "aggregate": "race",
        "columns": {
            "unit": "bureau",
            "race_id": "circo",
            "registered": "inscrits",
            "voters": "votants",
            "candidate_name": "nom",
            "votes": "voix",
        },
    }

    snap = parse(data, ORIGIN, options, FETCHED)

    one, two = snap.races
    assert (one.id, one.units.counted, one.units.total) == ("01", 2, 3)
    assert (one.turnout.registered, one.turnout.voters) == (1800, 1000)
    assert [(c.name, c.votes) for c in one.candidates] == [("Alice", 450), ("Bruno", 550)]
    assert all(c.published_share is None for c in one.candidates)
    assert (two.id, two.units.counted, two.units.total, two.votes_cast) == ("02", 1, 1, 500)


def test_a_unit_whose_rows_disagree_is_rejected() -> None:
    data = lines(
        "bureau;votants;nom;voix",
        "0001;600;Alice;350",
        "0001;601;Bruno;250",
    )
    options = {
        "columns": {
            "unit": "bureau",
            "voters": "votants",
            "candidate_name": "nom",
            "votes": "voix",
        },
    }

    err = reject(data, options)

    assert err.field == "line 3, column 'votants'"
    assert err.value == "601"
    assert "line 2" in err.reason


def test_a_constant_race_id_sums_every_row_into_one_national_race() -> None:
    data = lines(
        BUREAU_HEADER,
        "0;104;02;805;384;17;0;367;200;54,50 %;167",
        "2;201;03;600;300;0;0;300;100;33,33 %;200",
    )
    columns = {k: v for k, v in BREST["columns"].items() if k != "race_id"}

    snap = brest(data, columns=columns, race_id="national", race_name="Finistère")

    (race,) = snap.races
    assert (race.id, race.name, race.code) == ("national", "Finistère", None)
    assert (race.units.counted, race.units.total, race.votes_cast) == (2, 2, 667)


def test_without_aggregate_a_race_met_twice_is_rejected() -> None:
    data = lines(
        BUREAU_HEADER,
        "0;104;02;805;384;17;0;367;200;54,50 %;167",
        "1;079;02;1012;530;9;4;517;300;58,03 %;217",
    )

    err = reject(data, {**BREST, "aggregate": "none"})

    assert err.field == "line 3, column 'Circo'"
    assert err.value == "02"
    assert 'aggregate = "race"' in err.reason


@pytest.mark.parametrize(
    ("cell", "options", "expected"),
    [
        ("2027-01-24T21:30:00+01:00", {}, datetime(2027, 1, 24, 21, 30, tzinfo=PARIS)),
        ("2027-01-24T20:30:00Z", {}, datetime(2027, 1, 24, 20, 30, tzinfo=UTC)),
        (
            "24/01/2027 21:30",
            {"timezone": "Europe/Paris"},
            datetime(2027, 1, 24, 21, 30, tzinfo=PARIS),
        ),
        (
            "2027-01-24 21:30:15",
            {"timezone": "Europe/Paris"},
            datetime(2027, 1, 24, 21, 30, 15, tzinfo=PARIS),
        ),
        ("", {}, FETCHED),
    ],
)
def test_updated_at(cell: str, options: dict[str, Any], expected: datetime) -> None:
    assert parse(stamped(cell), ORIGIN, {**STAMPED, **options}, FETCHED).updated_at == expected


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("24/01/2027 21:30", "UTC offset"),
        ("2027-01-24T21:30:00", "UTC offset"),
        ("demain soir", "ISO 8601"),
        ("31/02/2027 21:30", "ISO 8601"),
    ],
)
def test_a_bad_updated_at_names_its_cell(cell: str, reason: str) -> None:
    err = reject(stamped(cell), STAMPED)

    assert (err.field, err.value) == ("line 2, column 'maj'", cell)
    assert reason in err.reason


def test_blocks_layout_reads_each_repeated_block_and_skips_empty_padding() -> None:
    data = lines(
        BLOCK_HEADER,
        "01;01;100;60;1;ALPHA;Ana;NUP;40;;2;BETA;Bo;DVD;20;;;;;;;",
        "01;02;90;50;2;GAMMA;Cy;LR;50;1",
        "02;01;80;30;1;ALPHA;Ana;DVD;30;",
    )
    snap = parse(data, ORIGIN, BLOCK_OPTIONS, FETCHED)

    assert [(r.id, r.name, r.code) for r in snap.races] == [
        ("01-01", "01-01", "01-01"),
        ("01-02", "01-02", "01-02"),
        ("02-01", "02-01", "02-01"),
    ]
    assert [(c.id, c.name, c.party, c.votes) for c in snap.races[0].candidates] == [
        ("1", "Ana ALPHA", "NUP", 40),
        ("2", "Bo BETA", "DVD", 20),
    ]
    assert snap.races[0].level == "national"  # columns given: the level is the option's
    assert {r.units.kind for r in snap.races} == {"none"}  # each row is a place, in or not


def test_blocks_rows_summed_into_a_race_are_its_polling_stations() -> None:
    data = lines(
        BLOCK_HEADER,
        "01;01;100;60;1;ALPHA;Ana;NUP;40;;2;BETA;Bo;DVD;20;",
        "01;01;90;0;1;ALPHA;Ana;NUP;0;;2;BETA;Bo;DVD;0;",
        "01;01;80;30;1;ALPHA;Ana;NUP;10;;2;BETA;Bo;DVD;20;",
    )
    (race,) = parse(data, ORIGIN, {**BLOCK_OPTIONS, "aggregate": "race"}, FETCHED).races

    assert race.units == Units(counted=2, total=3, kind="stations")
    assert [(c.name, c.party, c.votes) for c in race.candidates] == [
        ("Ana ALPHA", "NUP", 50),
        ("Bo BETA", "DVD", 40),
    ]


def test_blocks_layout_without_the_combined_id_collides_on_the_repeated_code() -> None:
    data = lines(BLOCK_HEADER, "01;01;100;60;1;A;a;X;60;", "02;01;80;30;1;B;b;Y;30;")
    options = {**BLOCK_OPTIONS, "columns": {**BLOCK_OPTIONS["columns"], "race_id": "circ"}}

    err = reject(data, options)

    assert err.field == "line 3, column 'circ'"
    assert "race '01' again (first at line 2)" in err.reason


@pytest.mark.parametrize(
    ("row", "field", "value", "reason"),
    [
        (
            "01;01;100;60;1;A;a;X;40;;2;B;b;Y",
            "line 2, candidate 2, column 'nuance'",
            "Y",
            "truncated candidate block: 4 of 6 fields",
        ),
        (
            "01;01;100;60;1;A;a;X;40;;2;B;b;Y;vingt;",
            "line 2, candidate 2, column 'voix'",
            "vingt",
            "expected a whole number",
        ),
        (
            "01;01;100;60;1;A;a;X;40;;1;B;b;Y;20;",
            "line 2, candidate 2, column 'num'",
            "1",
            "candidate '1' twice in one unit",
        ),
        (
            "01;01;100;60;1;A;a;X;40;;;;;Y;20;",
            "line 2, candidate 2, column 'num'",
            "",
            "a candidate block with no name",
        ),
        ("01;01;100", "line 2, column 'exprimes'", "100", "truncated row: 3 fields"),
    ],
)
def test_blocks_layout_names_the_candidate_block_of_a_bad_cell(
    row: str, field: str, value: str, reason: str
) -> None:
    err = reject(lines(BLOCK_HEADER, row), BLOCK_OPTIONS)

    assert (err.field, err.value) == (field, value)
    assert str(err.reason).startswith(reason)


def test_blocks_layout_refuses_a_place_column_inside_the_candidate_block() -> None:
    options = {**BLOCK_OPTIONS, "columns": {**BLOCK_OPTIONS["columns"], "valid": "sieges"}}

    err = reject(lines(BLOCK_HEADER, "01;01;100;60;1;A;a;X;60;"), options)

    assert (err.field, err.value) == ("line 1", "sieges")
    assert err.reason == "columns.valid is inside the candidate block (from 'num')"
