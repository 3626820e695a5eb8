"""Admitting events: a seen key is dropped, covered keys count as seen, a correction passes
only for a fact that was announced, and only once."""

from __future__ import annotations

import pytest

from bot.events import Event, FirstResultsReported, ResultCorrected, admit
from tests.builders import at, key, race, run, snap, step


def _ev(key_: str, covers: tuple[str, ...] = ()) -> Event:
    return FirstResultsReported(key=key_, race=race({"a": 1}), at=at(0), covers=covers)


def _retraction(retracts: str) -> ResultCorrected:
    return ResultCorrected(
        key=f"correction:{retracts}", race=race({"a": 1}), at=at(0), retracts=retracts
    )


def test_admit_drops_seen_keys_and_records_covers() -> None:
    seen = {"old"}
    events = [_ev("old"), _ev("new", covers=("c1", "c2")), _ev("c1"), _ev("new"), _ev("other")]

    admitted = admit(events, seen)

    assert [e.key for e in admitted] == ["new", "other"]
    assert seen == {"old", "new", "c1", "c2", "other"}


def test_admit_drops_a_correction_of_a_key_never_announced() -> None:
    seen: set[str] = set()

    assert admit([_retraction("k")], seen) == []
    assert seen == set()


@pytest.mark.parametrize(
    "announce",
    [pytest.param(_ev("k"), id="announced"), pytest.param(_ev("x", covers=("k",)), id="covered")],
)
def test_admit_keeps_a_correction_of_an_announced_key(announce: Event) -> None:
    seen: set[str] = set()
    correction = _retraction("k")

    admitted = admit([announce, correction], seen)

    assert admitted == [announce, correction]
    assert "correction:k" in seen
    assert admit([correction], seen) == []  # and only once


def test_admit_keeps_a_figures_correction_without_retraction() -> None:
    seen: set[str] = set()
    event = ResultCorrected(key="fix", race=race({"a": 1}), at=at(0), changes=())

    assert admit([event], seen) == [event]


def test_admit_with_real_hysteresis_correction() -> None:
    """A dip from just below the level is a correction of nothing, and admit drops it."""
    shares = {"a": 49.8, "b": 30.0, "c": 20.2}
    dipped = {"a": 49.4, "b": 30.0, "c": 20.6}
    admitted, seen = run(
        [
            snap(race(shares=shares, counted=50), minutes=0),
            snap(race(shares=dipped, counted=50), minutes=1),
        ]
    )

    assert [e.kind for e in admitted] == ["first_results"]
    assert key("correction", "candidate", "a", "50") not in seen
    emitted = step(race(shares=shares, counted=50), race(shares=dipped, counted=50))
    assert [getattr(e, "retracts", None) for e in emitted] == [key("candidate", "a", "50")]
