"""Turnout against the previous round, like for like: same places, pro rata, totals; the
trend and its margin; each candidate's change in points (issue 15, items 1, 2 and 9)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.events import TurnoutTrendChanged
from bot.models import PreviousRound, Race, Turnout, Units
from bot.rounds import attached, compared, share_changes, trend
from bot.rules import Rules
from tests.builders import key, race, run, snap

SAME = PreviousRound(voters=900, registered=2000, shares=(("a", 50.0), ("b", 45.0)))


def _at(
    counted: int, voters: int, *, registered: int | None = None, kind: str = "stations"
) -> Race:
    r = race({"a": 60, "b": 40}, counted=counted, total=1000, voters=voters, registered=registered)
    return replace(r, units=Units(counted=counted, total=1000, kind=kind))


@pytest.mark.parametrize(
    ("r", "total", "expected"),
    [
        pytest.param(_at(600, 1200), 1600, ("pro_rata", 2000.0, 1600, None), id="pro-rata"),
        pytest.param(
            _at(600, 1200, kind="communes"), 1600, ("pro_rata", 2000.0, 1600, None), id="communes"
        ),
        pytest.param(_at(1000, 1700), 1600, ("totals", 1700.0, 1600, None), id="complete"),
        pytest.param(
            replace(_at(600, 1700), final=True), 1600, ("totals", 1700.0, 1600, None), id="final"
        ),
        pytest.param(
            replace(_at(600, 1000, registered=2000), previous=SAME),
            1600,
            ("same_places", 1000.0, 900, 5.0),
            id="same-places-over-the-total",
        ),
        pytest.param(
            replace(_at(600, 1000), previous=PreviousRound(voters=1600, same_places=False)),
            None,
            ("pro_rata", 1000 / 0.6, 1600, None),
            id="a-feeds-own-total",
        ),
    ],
)
def test_turnout_is_compared_like_for_like(
    r: Race, total: int | None, expected: tuple[str, float, int, float | None]
) -> None:
    found = compared(r, total)

    assert found is not None
    assert (found.method, found.previous, found.points) == (expected[0], expected[2], expected[3])
    assert found.voters == pytest.approx(expected[1])


@pytest.mark.parametrize(
    ("r", "total"),
    [
        pytest.param(_at(600, 1200), None, id="nothing-known-of-the-previous-round"),
        pytest.param(replace(_at(600, 0), turnout=Turnout()), 1600, id="no-voters"),
        pytest.param(_at(600, 1200, kind="none"), 1600, id="progress-unknown"),
        pytest.param(_at(0, 0), 1600, id="nothing-counted"),
    ],
)
def test_no_comparison_that_would_mean_nothing(r: Race, total: int | None) -> None:
    assert compared(r, total) is None


PREVIOUS = Rules(previous_round_voters=(("national", 1660),))


@pytest.mark.parametrize(
    ("r", "rules", "direction"),
    [
        pytest.param(_at(400, 747), PREVIOUS, None, id="pro-rata-+12%-at-40%-too-early"),
        pytest.param(_at(600, 1120), PREVIOUS, "up", id="pro-rata-+12%-at-60%"),
        pytest.param(_at(600, 900), PREVIOUS, "down", id="pro-rata--10%"),
        pytest.param(_at(600, 1020), PREVIOUS, None, id="pro-rata-+2%-within-5%"),
        pytest.param(_at(1000, 1700), PREVIOUS, None, id="totals-+2.4%-within-5%"),
        pytest.param(_at(1000, 1800), PREVIOUS, "up", id="totals-+8%"),
        pytest.param(
            replace(_at(100, 1000, registered=2000), previous=SAME),
            Rules(),
            "up",
            id="same-places-+5-points-at-any-stage",
        ),
        pytest.param(
            replace(_at(100, 1000, registered=2000), previous=SAME),
            Rules(trend_points=6),
            None,
            id="same-places-within-6-points",
        ),
    ],
)
def test_a_trend_beyond_the_margin(r: Race, rules: Rules, direction: str | None) -> None:
    found = trend(r, rules)

    assert (found[0] if found else None) == direction


def test_each_candidates_change_in_points_for_the_same_places() -> None:
    r = replace(race({"a": 60, "b": 40}), previous=SAME)

    assert share_changes(r) == {"a": pytest.approx(10.0), "b": pytest.approx(-5.0)}
    whole = replace(r, previous=replace(SAME, same_places=False))
    assert share_changes(whole) == {}  # a whole race's shares then say nothing of these places


def test_a_previous_round_feed_is_attached_by_race_id() -> None:
    own = replace(race({"a": 1}, race_id="own"), previous=SAME)
    s = snap(race({"a": 1}), own)
    feed = PreviousRound(voters=5, same_places=False)
    rules = Rules(previous_rounds={"national": feed, "own": feed})

    got = attached(s, rules)

    assert [r.previous for r in got.races] == [feed, SAME]  # a race's own figures stay
    assert attached(s, Rules()) is s


def test_the_trend_is_told_once_per_direction_and_a_reversal_takes_it_back() -> None:
    rules = Rules(previous_round_voters=(("national", 1660),))
    voters = [1120, 1130, 1000, 880, 1125]  # at 60 %: up, up, flat, down, up again
    admitted, _ = run([snap(_at(600 + i, v), minutes=i) for i, v in enumerate(voters)], rules)

    trends = [e for e in admitted if isinstance(e, TurnoutTrendChanged)]
    # Up from the start (the opening summary stands for it), down, then up again.
    assert [(e.key, e.retracts) for e in trends] == [
        (key("turnout_trend", "down"), key("turnout_trend", "up")),
        (key("turnout_trend", "up~2"), key("turnout_trend", "down")),
    ]
    assert trends[0].compared.method == "pro_rata"
