"""Places as races: commune codes, départements summed once, progress, the communes kept."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.formats.ministry import parse
from bot.models import Units
from tests.formats.ministry.support import (
    FETCHED,
    PARIS,
    REPLAY,
    fixture,
    race,
    read,
)


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


def test_2024_complete_flag_marks_the_place_final() -> None:
    data = fixture("R1_2A_2024.xml").replace(b"<Complet>NON<", b"<Complet>OUI<")
    assert race(parse(data, "R1.xml", {}, FETCHED), "D02A").final


@pytest.mark.parametrize(
    ("name", "race_id", "units", "summed"),
    [
        # A département's communes file: communes received out of those listed (issue 14, item 2).
        ("levels/084com_T2_v1.xml", "D084", Units(counted=2, total=4, kind="communes"), True),
        ("levels/084com_T2_v2.xml", "D084", Units(counted=4, total=4, kind="communes"), True),
        # Its totals file publishes no progress: none, never "0 communes".
        ("levels/084_T2.xml", "D084", Units(counted=0, total=None, kind="none"), False),
        # A commune is a single place, in or not: no progress of its own to tell.
        ("levels/084com_T2_v1.xml", "C084003", Units(counted=1, total=1, kind="none"), False),
        ("levels/084com_T2_v1.xml", "C084007", Units(counted=0, total=1, kind="none"), False),
        ("levels/084007_T2.xml", "C084007", Units(counted=1, total=1, kind="none"), False),
        ("FE_T2.xml", "FE", Units(counted=0, total=None, kind="none"), False),
        ("R1_2A_2024.xml", "D02A", Units(counted=6250, total=10000, kind="percent"), True),
    ],
)
def test_progress_carries_its_unit_and_the_figures_their_level(
    name: str, race_id: str, units: Units, summed: bool
) -> None:
    found = race(read(name, round=2) if name.startswith("levels/") else read(name), race_id)
    assert found.units == units
    assert found.summed is summed


def test_a_round_2_file_gives_each_place_its_round_1_for_the_same_places() -> None:
    """A round-2 file holds round 1 per commune (issue 15, item 1): a commune compares with
    its own round 1, a département summed from its communes with the round 1 of those
    received, shares matched by candidate across rounds; France entière's own round 1 is
    its whole total (compared pro rata)."""
    snap = read("02Acom_T2_v4.xml")
    dept, commune = race(snap, "D02A"), race(snap, "C02A004")
    assert commune.previous is not None
    assert (commune.previous.voters, commune.previous.registered) == (19_541, 43_012)
    assert commune.previous.same_places
    assert dept.previous is not None
    assert dept.previous.same_places
    assert dept.previous.voters == sum(
        r.previous.voters or 0 for r in snap.races if r.level == "commune" and r.previous
    )
    assert {cid for cid, _ in commune.previous.shares} == {c.id for c in commune.candidates}
    whole = race(read("FE_T2.xml"), "FE")
    assert whole.previous is not None
    assert (whole.previous.voters, whole.previous.same_places) == (25_775_531, False)
