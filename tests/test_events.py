"""Admitting events: a seen key is dropped, covered keys count as seen, a correction passes
only for a fact that was announced, and only once."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.events import Event, FirstResultsReported, ResultCorrected, admit, wanted
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

    assert [e.key for e in admitted] == [announce.key, "correction:k"]
    assert admitted[1].covers == ("k/retracted",)  # the ledger knows the fact was taken back
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


# --- generations: a fact that comes true again after its correction (issue 15, item 6) -------


def _crossed(minutes: int = 0) -> Event:
    return FirstResultsReported(key="k", race=race({"a": 1}), at=at(minutes))


def _taken_back(minutes: int = 0) -> ResultCorrected:
    return ResultCorrected(key="c", race=race({"a": 1}), at=at(minutes), retracts="k")


@pytest.mark.parametrize(
    ("sequence", "told"),
    [
        pytest.param("X", ["k"], id="told"),
        pytest.param("XX", ["k"], id="told-once"),
        pytest.param("XC", ["k", "c"], id="corrected"),
        pytest.param("XCC", ["k", "c"], id="corrected-once"),
        pytest.param("C", [], id="nothing-to-correct"),
        pytest.param("XCX", ["k", "c", "k~2"], id="again"),
        pytest.param("XCXX", ["k", "c", "k~2"], id="again-once"),
        pytest.param("XCXC", ["k", "c", "k~2", "c~2"], id="again-corrected"),
        pytest.param("XCXCX", ["k", "c", "k~2", "c~2", "k~3"], id="a-third-time"),
    ],
)
def test_a_fact_retracted_is_new_again_as_its_next_generation(
    sequence: str, told: list[str]
) -> None:
    seen: set[str] = set()
    keys: list[str] = []
    for i, step_ in enumerate(sequence):
        event = _crossed(i) if step_ == "X" else _taken_back(i)
        keys += [e.key for e in admit([event], seen)]

    assert keys == told


def test_a_generation_is_numbered_and_its_correction_marks_it_retracted() -> None:
    seen: set[str] = set()
    admit([_crossed(), _taken_back(1)], seen)

    (again,) = admit([_crossed(2)], seen)
    (fix,) = admit([_taken_back(3)], seen)

    assert (again.key, again.generation) == ("k~2", 2)
    assert (fix.key, fix.retracts, fix.generation) == ("c~2", "k~2", 2)
    assert "k~2/retracted" in fix.covers


def test_a_cover_of_a_retracted_fact_is_its_next_generation() -> None:
    seen: set[str] = set()
    admit([_crossed(), _taken_back(1)], seen)

    (event,) = admit([_ev("x", covers=("k",))], seen)

    assert event.covers == ("k~2",)
    assert "k~2" in seen


def test_an_event_that_reverses_another_is_told_whether_or_not_it_holds() -> None:
    """A trend that reverses retracts the other direction when it was told, and is a fact of
    its own when it was not."""
    up = replace(_crossed(), key="up", retracts="down")
    down = replace(_crossed(1), key="down", retracts="up")
    seen: set[str] = set()

    (first,) = admit([down], seen)
    (second,) = admit([up], seen)
    (third,) = admit([down], seen)

    assert (first.key, first.retracts) == ("down", None)
    assert (second.key, second.retracts) == ("up", "down")
    assert (third.key, third.retracts, third.generation) == ("down~2", "up", 2)


def test_wanted_reads_a_fact_generation_by_generation() -> None:
    events = [_crossed()]

    first = wanted(events, set())
    later = wanted(events, {"k", "k/retracted"})

    assert {"k", "k/retracted"} <= first
    assert "k~2" not in first
    assert {"k~2", "k~2/retracted"} <= later
