"""Records folded into races and units: bureaux, aggregation, agreement, the data time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.formats.csvfeed import parse
from tests.formats.csvfeed.support import (
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
