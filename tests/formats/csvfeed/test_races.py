"""Units summed into races: counted bureaux, turnout, votes, and when a published share survives."""

from __future__ import annotations

import pytest

from tests.formats.csvfeed.support import (
    BREST_UTF8,
    BUREAU_HEADER,
    FETCHED,
    brest,
    lines,
    no_anomalies,
)


def test_brest_wide_file_sums_its_bureaux() -> None:
    snap = brest(BREST_UTF8)

    assert snap.election == "legislatives-2022-t1"
    assert snap.updated_at == FETCHED
    (race,) = snap.races
    assert (race.id, race.code, race.level) == ("02", "02", "circonscription")
    assert race.name == "Finistère, circonscription 02"
    # Five bureaux listed, four with results; the fifth adds nothing but its place in the total.
    assert (race.units.counted, race.units.total) == (4, 5)
    t = race.turnout
    assert (t.registered, t.voters, t.blank, t.null, t.valid) == (3881, 1883, 45, 13, 1825)
    assert [(c.id, c.name, c.votes) for c in race.candidates] == [
        ("m-cadalen-pierre-yves", "M. CADALEN Pierre-Yves", 704),
        ("mme-le-gall-anne", "Mme LE GALL Anne", 512),
        ("m-kervella-yann", "M. KERVELLA Yann", 416),
        ("mme-morvan-soizic", "Mme MORVAN Soizic", 193),
    ]
    assert race.candidates[0].share == pytest.approx(100 * 704 / 1825)
    assert all(c.published_share is None for c in race.candidates)
    no_anomalies(snap)


def test_one_bureau_keeps_its_published_percentages() -> None:
    first_bureau = b"\n".join(BREST_UTF8.splitlines()[:2])

    (race,) = brest(first_bureau).races

    assert (race.units.counted, race.units.total) == (1, 1)
    assert [c.published_share for c in race.candidates] == [28.07, 32.97, 26.70, 12.26]
    assert race.candidates[0].votes == 103
    no_anomalies(brest(first_bureau))


def test_wide_rows_of_two_races_are_summed_apart() -> None:
    data = lines(
        BUREAU_HEADER,
        "0;104;02;805;384;17;0;367;200;54,50 %;167",
        "1;079;02;1012;530;9;4;517;300;58,03 %;217",
        "2;201;03;600;300;0;0;300;100;33,33 %;200",
    )

    snap = brest(data)

    two, three = snap.races
    assert (two.id, two.units.counted, two.turnout.valid, two.votes_cast) == ("02", 2, 884, 884)
    assert [c.votes for c in two.candidates] == [500, 384]
    assert (three.id, three.units.counted, three.votes_cast) == ("03", 1, 300)
    assert three.candidates[0].published_share == 33.33
    no_anomalies(snap)
