"""Turnout against the previous round, like for like: same places, pro rata, totals; the
trend and its margin; each candidate's change in points (issue 15, items 1, 2 and 9)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.events import TurnoutTrendChanged
from bot.models import PreviousRound, Race, Turnout, Units, replace
from bot.rounds import attached, compared, share_changes, trend
from bot.rules import Rules
from tests.builders import key, race, run, snap

ROOT = Path(__file__).resolve().parent.parent
NNBSP, NBSP = "\u202f", "\xa0"
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


# --- the demo night through `python -m bot replay` (issue 15, item 3) ------------------------


def replay(config: Path, files: list[Path], db: Path) -> list[dict[str, Any]]:
    """Replay files as `python -m bot replay --format jsonl` does; return its records."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "replay", "--config", str(config), "--format", "jsonl",
         "--db", str(db), *map(str, files)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_the_demo_night_tells_the_press_figure_at_2045(tmp_path: Path) -> None:
    records = replay(
        ROOT / "config" / "demo.toml",
        sorted((ROOT / "config" / "demo").glob("*.json")),
        tmp_path / "d.db",
    )

    at_2045 = [r for r in records if r["at"].startswith("2017-01-29T20:45")]
    assert [r["kind"] for r in at_2045] == [
        "anomaly",  # its shares add up to 100.1 %: held back, the rest told
        "reporting_threshold",
        "turnout_threshold",
        "turnout_trend",
    ]
    anomaly, step, voters, trend = at_2045
    assert f"votants : 1{NNBSP}120{NNBSP}180" in anomaly["text"]  # every figure, to the admins
    assert "Mis en doute : les parts des candidats" in anomaly["text"]
    assert "Hamon" not in step["text"]  # the shares of that version stay unannounced
    assert "ne tiennent pas" in step["text"]
    assert f"Votants : 1{NNBSP}120{NNBSP}180" in voters["text"]
    assert trend["text"].startswith(
        "Participation en hausse par rapport au tour précédent, à même stade du dépouillement"
    )
    assert (
        f"À proportion des bureaux dépouillés : environ 1{NNBSP}867{NNBSP}000 votants, "
        f"contre 1{NNBSP}660{NNBSP}000 au tour précédent (+12,5{NBSP}%)"
    ) in trend["text"]
    texts = "\n".join(r["text"] for r in records)
    assert "−20,4" not in texts  # 21:05 no longer compares a partial count with a finished one
    assert "58,65" not in "\n".join(r["text"] for r in at_2045 if r["kind"] != "anomaly")
