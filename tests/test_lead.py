"""The lead: ties at the top, a leader out of a tie, margins narrowed and widened with
hysteresis, in points and votes, and between the last elected and the first not elected
(issue 15, items 7 and 8). Through the diff, as the pipeline plays it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.events import LeaderChanged, LeadTied, MarginNarrowed, MarginWidened
from bot.lead import lead, pair, tied
from bot.models import Race, replace
from bot.rules import Rules
from tests.builders import key, race, run, snap, step

ROOT = Path(__file__).resolve().parent.parent
NIGHT = ROOT / "tests" / "fixtures" / "lead_night"
NBSP = "\xa0"
TIES = Rules(ties=True)
MARGINS = Rules(margins=(1.0, 2.0), margin_votes=(100,))


def _r(votes: dict[str, int], seats: int = 1) -> Race:
    return replace(race(votes, counted=50), vote_for=seats)


@pytest.mark.parametrize(
    ("votes", "seats", "ids", "points"),
    [
        pytest.param({"a": 60, "b": 40}, 1, ("a", "b"), 20.0, id="first-two"),
        pytest.param({"a": 50, "b": 30, "c": 20}, 2, ("b", "c"), 10.0, id="last-in-first-out"),
        pytest.param({"a": 60}, 1, None, None, id="alone"),
    ],
)
def test_the_lead_is_between_the_first_two_or_around_the_last_seat(
    votes: dict[str, int], seats: int, ids: tuple[str, str] | None, points: float | None
) -> None:
    r = _r(votes, seats)
    found = pair(r)

    assert (tuple(c.id for c in found) if found else None) == ids
    assert lead(r, "points") == (pytest.approx(points) if points is not None else None)


def test_a_tie_lists_every_candidate_level_at_the_top() -> None:
    assert [c.id for c in tied(_r({"a": 40, "b": 40, "c": 20}))] == ["a", "b"]
    assert tied(_r({"a": 41, "b": 40})) == ()


@pytest.mark.parametrize(
    ("rules", "kinds"),
    [
        pytest.param(TIES, ["tie", "leader_changed"], id="tie-told"),
        pytest.param(Rules(), ["leader_changed"], id="tie-not-asked-for"),
    ],
)
def test_a_change_of_leader_through_a_tie_is_told(rules: Rules, kinds: list[str]) -> None:
    """A leads; A and B tie; B leads."""
    admitted, _ = run(
        [
            snap(_r({"a": 60, "b": 40}), minutes=0),
            snap(_r({"a": 60, "b": 60}), minutes=1),
            snap(_r({"a": 60, "b": 70}), minutes=2),
        ],
        rules,
    )

    told = [e for e in admitted if e.kind in ("tie", "leader_changed")]
    assert [e.kind for e in told] == kinds
    change = told[-1]
    assert isinstance(change, LeaderChanged)
    assert (change.leader.id, change.previous.id, change.after_tie) == ("b", "a", True)


def test_a_tie_is_told_once_while_it_lasts() -> None:
    events = step(_r({"a": 60, "b": 60}), _r({"a": 70, "b": 70}), TIES)
    assert not any(isinstance(e, LeadTied) for e in events)
    events = step(_r({"a": 61, "b": 60}), _r({"a": 70, "b": 70}), TIES)
    (tie,) = [e for e in events if isinstance(e, LeadTied)]
    assert isinstance(tie, LeadTied)
    assert [c.id for c in tie.tied] == ["a", "b"]


def test_a_race_electing_two_tells_who_comes_out_of_a_tie_for_the_last_seat() -> None:
    events = step(_r({"a": 50, "b": 40, "c": 40}, 2), _r({"a": 50, "b": 30, "c": 60}, 2))

    (change,) = [e for e in events if isinstance(e, LeaderChanged)]
    assert (change.leader.id, change.previous.id, change.after_tie) == ("c", "b", True)


def _lead(points: float) -> Race:
    """Return a race where a leads b by `points` (10,000 votes cast)."""
    half = round(5000 + points * 50)
    return race({"a": half, "b": 10_000 - half}, counted=50)


@pytest.mark.parametrize(
    ("leads", "told"),
    [
        pytest.param([5.0, 1.5], ["margin:points:2"], id="under-2"),
        pytest.param([5.0, 0.5], ["margin:points:1"], id="under-1-and-2-at-once"),
        pytest.param([1.5, 0.9, 1.2, 0.9], ["margin:points:1"], id="hysteresis-holds"),
        pytest.param(
            [1.5, 0.9, 1.6, 0.8],
            ["margin:points:1", "margin:points:1:widened", "margin:points:1~2"],
            id="widened-then-under-again",
        ),
        pytest.param([5.0, 3.0], [], id="never-under"),
        pytest.param([2.2, 3.0], [], id="widened-without-being-under"),
        pytest.param([1.5, 3.0], ["margin:points:2:widened"], id="opened-under-then-widened"),
    ],
)
def test_margins_in_points_are_told_once_per_direction(leads: list[float], told: list[str]) -> None:
    rules = Rules(margins=(1.0, 2.0))
    admitted, _ = run([snap(_lead(p), minutes=i) for i, p in enumerate(leads)], rules)

    margins = [e for e in admitted if isinstance(e, MarginNarrowed | MarginWidened)]
    assert [e.key for e in margins] == [key(*k.split(":")) for k in told]


def test_a_margin_the_race_opens_under_is_covered_and_can_widen() -> None:
    rules = Rules(margins=(1.0,))
    admitted, seen = run([snap(_lead(0.5), minutes=0), snap(_lead(2.0), minutes=1)], rules)

    assert key("margin", "points", "1") in seen  # the first results stood for it
    assert [e.kind for e in admitted if e.kind != "correction"] == [
        "first_results",
        "margin_widened",
    ]


def test_margins_in_votes_with_their_hysteresis() -> None:
    rules = Rules(margin_votes=(100,))  # widened again at 110 votes
    narrowed = step(race({"a": 600, "b": 450}), race({"a": 600, "b": 520}), rules)
    (event,) = [e for e in narrowed if isinstance(e, MarginNarrowed)]
    assert (event.unit, event.margin, event.lead) == ("votes", 100.0, 80.0)
    assert step(race({"a": 600, "b": 520}), race({"a": 625, "b": 520}), rules) == []
    wider = step(race({"a": 600, "b": 520}), race({"a": 640, "b": 520}), rules)
    assert [e.kind for e in wider] == ["margin_widened"]


def test_a_race_electing_two_measures_the_margin_at_the_last_seat() -> None:
    rules = Rules(margins=(1.0,))
    before = replace(race({"a": 5000, "b": 3000, "c": 2000}, counted=50), vote_for=2)
    after = replace(race({"a": 5000, "b": 2540, "c": 2460}, counted=50), vote_for=2)

    (event,) = [e for e in step(before, after, rules) if isinstance(e, MarginNarrowed)]

    assert (event.leader.id, event.runner_up.id) == ("b", "c")
    assert event.lead == pytest.approx(0.8)


# --- a night of our own through `python -m bot replay` (issue 15, done means) -------------


def replay(config: Path, files: list[Path], db: Path) -> list[dict[str, Any]]:
    """Replay files as `python -m bot replay --format jsonl` does; return its records."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "replay", "--config", str(config), "--format", "jsonl",
         "--db", str(db), *map(str, files)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def headlines(records: list[dict[str, Any]], at: str | None = None) -> list[tuple[str, str]]:
    return [
        (r["kind"], r["text"].splitlines()[0].split(" — ")[0])
        for r in records
        if at is None or r["at"].startswith(at)
    ]


def test_a_night_with_a_level_crossed_again_a_tie_and_both_margins(tmp_path: Path) -> None:
    files = sorted(NIGHT.glob("*.json"))
    records = replay(NIGHT / "night.toml", files, tmp_path / "n.db")

    told = headlines(records)
    assert ("correction", "Correction") in told
    assert (
        "tie",
        "Alma Roux et Basile Marin à égalité en tête (48,78 %)".replace(" %", f"{NBSP}%"),
    ) in told
    assert ("leader_changed", "Basile Marin passe en tête, après l’égalité avec Alma Roux") in told
    assert ("candidate_threshold", "Alma Roux repasse la barre des 50\xa0%") in told
    margins = [(k, h) for k, h in told if k.startswith("margin")]
    assert margins == [
        ("margin_narrowed", "Moins de 1 point d’écart entre Alma Roux et Basile Marin"),
        ("margin_narrowed", "Moins de 500 voix d’écart entre Alma Roux et Basile Marin"),
        ("margin_widened", "L’écart entre Basile Marin et Alma Roux repasse au-dessus de 1 point"),
        ("margin_widened", "L’écart entre Basile Marin et Alma Roux repasse au-dessus de 500 voix"),
        ("margin_narrowed", "De nouveau moins de 1 point d’écart entre Alma Roux et Basile Marin"),
        ("margin_narrowed", "De nouveau moins de 500 voix d’écart entre Alma Roux et Basile Marin"),
        ("margin_widened", "L’écart entre Alma Roux et Basile Marin repasse au-dessus de 1 point"),
        ("margin_widened", "L’écart entre Alma Roux et Basile Marin repasse au-dessus de 500 voix"),
    ]
    keys = [r["key"] for r in records]
    assert len(keys) == len(set(keys))
    assert "ville:candidate:alma:50~2" in keys
    assert "ville:margin:points:1~2" in keys
    # Replayed again into the same store: the ledger knows every generation, nothing again.
    assert replay(NIGHT / "night.toml", files, tmp_path / "n.db") == []
