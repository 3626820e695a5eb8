"""The anomaly checks, through the diff: each check flags its own inconsistency, with its
figures, and lets consistent figures through; a missing count is an anomaly, not a zero."""

from __future__ import annotations

import pytest

from bot.checks import SHARES, TURNOUT, held_back, taints
from bot.diff import diff
from bot.events import AnomalyDetected, TurnoutThresholdCrossed
from bot.models import Candidate, Race, Units, replace, with_computed_shares
from bot.rules import Rules
from tests.builders import STAMP, at, key, race, snap, step, with_turnout


def _ballots_race() -> Race:
    r = race({"a": 600, "b": 400}, counted=500)
    return with_turnout(r, voters=1020, valid=1000, blank=10, null=5)


def _published(votes: dict[str, int], published: dict[str, float]) -> Race:
    r = race(votes, counted=500)
    cands = tuple(replace(c, published_share=published.get(c.id)) for c in r.candidates)
    return with_computed_shares(replace(r, candidates=cands))


def _typed(votes: dict[str, tuple[int, int | None]]) -> Race:
    """Return a race whose candidates have a total and the sum of their vote types."""
    r = race({cid: total for cid, (total, _) in votes.items()}, counted=500)
    cands = tuple(replace(c, votes_by_type=votes[c.id][1]) for c in r.candidates)
    return replace(r, candidates=cands)


ANOMALIES = [
    pytest.param(
        None,
        race({"a": 600, "b": 400}, counted=500, valid=990),
        "votes_vs_valid",
        (("votes", 1000.0), ("valid", 990.0)),
        id="votes_vs_valid",
    ),
    pytest.param(
        None,
        race({"a": 600, "b": 400}, counted=500, voters=900),
        "votes_vs_voters",
        (("votes", 1000.0), ("voters", 900.0)),
        id="votes_vs_voters",
    ),
    pytest.param(
        None,
        race({"a": 600, "b": 400}, counted=500, voters=1200, registered=1100),
        "voters_vs_registered",
        (("voters", 1200.0), ("registered", 1100.0)),
        id="voters_vs_registered",
    ),
    pytest.param(
        None,
        _ballots_race(),
        "ballots_vs_voters",
        (("ballots", 1015.0), ("voters", 1020.0)),
        id="ballots_vs_voters",
    ),
    pytest.param(
        None,
        _published({"a": 600, "b": 400}, {"a": 61.0, "b": 40.0}),
        "published_share:a",
        (("published", 61.0), ("computed", 60.0)),
        id="published_share",
    ),
    pytest.param(
        None,
        _typed({"a": (600, 580), "b": (400, 400)}),
        "vote_types:a",
        (("votes", 600.0), ("by_type", 580.0)),
        id="vote_types",
    ),
    pytest.param(
        None,
        race(shares={"a": 58.65, "b": 41.45}, counted=500),
        "share_sum",
        (("sum", 100.1),),
        id="share_sum",
    ),
    pytest.param(
        race({"a": 600, "b": 400}, counted=500),
        race({"a": 768, "b": 512}, counted=500),
        "republication",
        (("before", 1000.0), ("after", 1280.0)),
        id="republication-identical-shares",
    ),
    pytest.param(
        race({"a": 60000, "b": 40000}, counted=500),
        race({"a": 76805, "b": 51195}, counted=500),
        "republication",
        (("before", 100000.0), ("after", 128000.0)),
        id="republication-shares-within-epsilon",
    ),
]


@pytest.mark.parametrize(("before", "curr", "check", "detail"), ANOMALIES)
def test_each_check_is_flagged(
    before: Race | None, curr: Race, check: str, detail: tuple[tuple[str, float], ...]
) -> None:
    events = step(before, curr)

    # The anomaly; besides it, only events on figures the check does not put in doubt.
    (event,) = [e for e in events if isinstance(e, AnomalyDetected)]
    assert all(set(e.race.doubts) == set(taints(check)) for e in events if e is not event)
    assert event.check == check
    assert event.detail == detail
    assert event.key == key("anomaly", check, STAMP)
    assert event.audience == "admin"
    assert event.race == curr
    assert event.at == at(1)


@pytest.mark.parametrize(
    ("before", "curr"),
    [
        pytest.param(None, race({"a": 600, "b": 400}, counted=500, valid=1000), id="valid-agrees"),
        pytest.param(None, race({"a": 600, "b": 400}, voters=1000), id="votes-equal-voters"),
        pytest.param(
            None, race({"a": 600, "b": 400}, voters=1100, registered=1100), id="all-voted"
        ),
        pytest.param(
            None,
            with_turnout(_ballots_race(), voters=1015),
            id="ballots-agree",
        ),
        pytest.param(
            None,
            _published({"a": 600, "b": 400}, {"a": 60.1, "b": 39.95}),
            id="published-share-within-tolerance",
        ),
        pytest.param(None, _typed({"a": (600, 600), "b": (400, None)}), id="vote-types-agree"),
        pytest.param(None, race(shares={"a": 58.33, "b": 41.67}), id="share-sum-rounded"),
        pytest.param(
            None,
            race(shares={"a": 33.33, "b": 33.33, "c": 33.33}),
            id="share-sum-three-thirds",
        ),
        pytest.param(
            race({"a": 600, "b": 400}, counted=500),
            race({"a": 654, "b": 436}, counted=500),
            id="republication-growth-below-10pct",
        ),
        pytest.param(
            race({"a": 60000, "b": 40000}, counted=500),
            race({"a": 76820, "b": 51180}, counted=500),
            id="republication-share-moved-by-0.01",
        ),
        pytest.param(None, race({"a": 768, "b": 512}, counted=500), id="republication-no-before"),
    ],
)
def test_consistent_figures_are_not_flagged(before: Race | None, curr: Race) -> None:
    events = step(before, curr)

    assert not any(isinstance(e, AnomalyDetected) for e in events)


def test_some_votes_missing_is_an_anomaly_not_a_zero() -> None:
    r = with_computed_shares(
        Race(
            id="national",
            name="X",
            units=Units(counted=10, total=100),
            candidates=(
                Candidate(id="a", name="A", votes=100),
                Candidate(id="b", name="B", votes=None, published_share=60.0),
            ),
        )
    )
    events = diff(None, snap(r), Rules(), at(0))
    assert [e.kind for e in events] == ["anomaly"]
    assert events[0].check == "partial_votes"  # type: ignore[attr-defined]
    assert not any(isinstance(e, TurnoutThresholdCrossed) for e in events)


# --- what each check puts in doubt, and what is held back (issue 15, item 4) -----------------


@pytest.mark.parametrize(
    ("check", "doubted"),
    [
        pytest.param("share_sum", (SHARES,), id="shares-add-up-to-100.1"),
        pytest.param("published_share:a", (SHARES,), id="published-share"),
        pytest.param("votes_vs_valid", (SHARES,), id="votes-vs-valid"),
        pytest.param("vote_types:cotton", (SHARES,), id="vote-types"),
        pytest.param("partial_votes", (SHARES,), id="partial-votes"),
        pytest.param("voters_vs_registered", (TURNOUT,), id="voters-above-registered"),
        pytest.param("ballots_vs_voters", (TURNOUT,), id="ballots"),
        pytest.param("votes_vs_voters", (SHARES, TURNOUT), id="votes-above-voters"),
        pytest.param("republication", (SHARES, TURNOUT), id="republication"),
        pytest.param("levels", (SHARES, TURNOUT), id="not-a-check-both"),
    ],
)
def test_each_check_declares_the_figures_it_puts_in_doubt(
    check: str, doubted: tuple[str, ...]
) -> None:
    assert taints(check) == doubted


@pytest.mark.parametrize(
    ("doubts", "shares_from", "turnout_from"),
    [
        pytest.param((), "now", "now", id="nothing-in-doubt"),
        pytest.param((SHARES,), "before", "now", id="shares"),
        pytest.param((TURNOUT,), "now", "before", id="turnout"),
        pytest.param((SHARES, TURNOUT), "before", "before", id="both"),
    ],
)
def test_held_back_keeps_the_last_good_figures_of_those_in_doubt(
    doubts: tuple[str, ...], shares_from: str, turnout_from: str
) -> None:
    before = race({"a": 60, "b": 40}, counted=100, voters=100, registered=200)
    now = race({"a": 90, "b": 10}, counted=600, voters=900, registered=1000)

    held = held_back(before, now, doubts)

    pick = {"before": before, "now": now}
    assert held.candidates == pick[shares_from].candidates
    assert held.turnout == pick[turnout_from].turnout
    assert held.units == now.units  # progress is never in doubt
    assert held.doubts == tuple(sorted(doubts))


def test_held_back_without_a_good_version_holds_nothing() -> None:
    now = race({"a": 90, "b": 10}, counted=600, voters=900)

    held = held_back(None, now, (SHARES, TURNOUT))

    assert [(c.id, c.votes, c.share) for c in held.candidates] == [
        ("a", None, None),
        ("b", None, None),
    ]
    assert held.turnout.voters is None
    assert not held.has_results
