"""Contests as races: ids from their texts, and one race per precinct or county with breakdown."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.checks import find_anomalies
from bot.rules import Rules
from tests.formats.clarity.support import (
    STATE_XML,
    XML,
    changed,
    read,
)


def test_breakdown_adds_one_race_per_precinct() -> None:
    snap = read(XML, breakdown=True)

    ids = [r.id for r in snap.races]
    assert ids[:4] == ["us-senator", "us-senator/a101", "us-senator/a102", "us-senator/b201"]
    assert "city-council-ward-a/a102" not in ids
    a101 = snap.race("us-senator/a101")
    assert a101 is not None
    assert (a101.name, a101.level, a101.code) == ("US Senator — A101", "precinct", "A101")
    assert (a101.units.counted, a101.units.total) == (1, 1)
    assert (a101.turnout.registered, a101.turnout.voters) == (1200, 640)
    assert [c.votes for c in a101.candidates] == [330, 290]
    assert (a101.turnout.undervotes, a101.turnout.overvotes) == (18, 2)
    assert [c.party for c in a101.candidates] == ["REP", "DEM"]
    assert [c.votes_by_type for c in a101.candidates] == [None, None]  # no total to check
    yes = snap.race("constitutional-amendment-1/a101")
    assert yes is not None
    assert (yes.is_question, yes.vote_for, yes.units.kind) == (True, 1, "precincts")
    council = snap.race("city-council-ward-a/a101")
    assert council is not None
    assert council.vote_for == 2
    b201 = snap.race("us-senator/b201")
    assert b201 is not None
    assert (b201.units.counted, b201.units.total, b201.votes_cast) == (0, 1, 0)
    for contest in ("us-senator", "constitutional-amendment-1", "city-council-ward-a"):
        whole = snap.race(contest)
        assert whole is not None
        parts = [r for r in snap.races if r.id.startswith(f"{contest}/")]
        for i, cand in enumerate(whole.candidates):
            assert sum(p.candidates[i].votes or 0 for p in parts) == cand.votes
    for race in snap.races:
        assert find_anomalies(None, race, Rules()) == [], race.id


def test_same_names_get_their_keys_appended() -> None:
    data = changed('text="Jane SMITH"', 'text="Robert JONES"')
    data = data.replace(b'text="US Senator"', b'text="Constitutional Amendment 1"')

    snap = read(data)

    assert [r.id for r in snap.races][:2] == [
        "constitutional-amendment-1",
        "constitutional-amendment-1-2",
    ]
    assert [c.id for c in snap.races[0].candidates] == ["robert-jones", "robert-jones-2"]


def test_state_file_with_county_breakdown() -> None:
    snap = read(STATE_XML, breakdown=True)

    assert snap.updated_at == datetime(2020, 11, 4, 3, 5, tzinfo=UTC)
    senate, pulaski, benton = snap.races
    assert (senate.id, senate.level, senate.code) == ("u-s-senate", "state", "AR")
    assert (senate.units.counted, senate.units.total) == (8, 18)
    assert (senate.turnout.registered, senate.turnout.voters) == (5000, 2100)
    assert [(c.id, c.votes) for c in senate.candidates] == [
        ("tom-cotton", 1200),
        ("ricky-dale-harrington", 800),
    ]
    assert (pulaski.id, pulaski.level, pulaski.code) == ("u-s-senate/pulaski", "county", "Pulaski")
    assert (pulaski.units.counted, pulaski.units.total) == (6, 10)
    assert (pulaski.turnout.registered, pulaski.turnout.voters) == (3000, 1500)
    assert [c.votes for c in pulaski.candidates] == [850, 600]
    assert [c.votes for c in benton.candidates] == [350, 200]
