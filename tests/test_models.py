"""The domain models: progress and participation, shares recomputed from counts, standings,
the sole leader, and lookups by id."""

from __future__ import annotations

import pytest

from bot.models import Candidate, Race, Snapshot, Turnout, Units, with_computed_shares
from tests.builders import at


def _race(*candidates: Candidate) -> Race:
    return Race(id="national", name="Primaire", units=Units(counted=1), candidates=candidates)


@pytest.mark.parametrize(
    ("units", "pct"),
    [
        (Units(counted=250, total=1000), 25.0),
        (Units(counted=3), None),
        (Units(counted=0, total=0), None),
    ],
)
def test_units_counted_in_percent_when_the_total_is_known(units: Units, pct: float | None) -> None:
    assert units.pct == pct


@pytest.mark.parametrize(
    ("turnout", "participation"),
    [
        (Turnout(registered=2000, voters=500), 25.0),
        (Turnout(registered=2000), None),
        (Turnout(registered=0, voters=5), None),
        (Turnout(voters=5), None),
    ],
)
def test_participation_needs_voters_and_registered(
    turnout: Turnout, participation: float | None
) -> None:
    assert turnout.participation == participation


def test_shares_are_recomputed_from_votes_not_taken_as_published() -> None:
    race = with_computed_shares(
        _race(
            Candidate(id="a", name="A", votes=587, published_share=58.0),
            Candidate(id="b", name="B", votes=413, published_share=41.0),
        )
    )
    assert [c.share for c in race.candidates] == [58.7, 41.3]
    assert [c.published_share for c in race.candidates] == [58.0, 41.0]  # kept to cross-check
    assert race.votes_cast == 1000


def test_computing_shares_keeps_each_candidate_s_party_label() -> None:
    race = with_computed_shares(
        _race(
            Candidate(id="a", name="A", votes=3, party="NUP"), Candidate(id="b", name="B", votes=1)
        )
    )
    assert [c.party for c in race.candidates] == ["NUP", None]


def test_a_candidate_without_votes_counts_as_none_beside_others_with_votes() -> None:
    race = with_computed_shares(
        _race(
            Candidate(id="a", name="A", votes=60), Candidate(id="b", name="B", published_share=40.0)
        )
    )
    assert [c.share for c in race.candidates] == [100.0, 0.0]


def test_published_shares_stand_when_no_candidate_has_votes() -> None:
    race = with_computed_shares(
        _race(Candidate(id="a", name="A", published_share=55.5), Candidate(id="b", name="B"))
    )
    assert race.votes_cast is None
    assert [c.share for c in race.candidates] == [55.5, None]
    assert race.has_results


def test_zero_votes_everywhere_is_no_result_and_no_share() -> None:
    race = with_computed_shares(
        _race(Candidate(id="a", name="A", votes=0), Candidate(id="b", name="B", votes=0))
    )
    assert race.votes_cast == 0
    assert [c.share for c in race.candidates] == [None, None]
    assert not race.has_results


def test_standings_by_share_with_ties_in_feed_order_and_a_sole_leader() -> None:
    a, b, c = (Candidate(id=i, name=i, share=s) for i, s in (("a", 30.0), ("b", 40.0), ("c", 30.0)))
    race = _race(a, b, c)
    assert race.standings() == (b, a, c)
    assert race.leader() == b
    assert _race(a, c).leader() is None  # tied at the top
    assert _race(Candidate(id="x", name="x")).leader() is None  # nobody has a share


def test_lookups_by_id() -> None:
    a = Candidate(id="a", name="A")
    race = _race(a)
    snapshot = Snapshot(election="test", updated_at=at(0), races=(race,))
    assert race.candidate("a") == a
    assert race.candidate("z") is None
    assert snapshot.race("national") == race
    assert snapshot.race("D075") is None
