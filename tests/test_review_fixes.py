"""Regressions found in review: each test failed before its fix."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from bot.diff import advance, diff
from bot.events import TurnoutThresholdCrossed, admit
from bot.models import Candidate, Race, Units, with_computed_shares
from bot.render.message import Message
from bot.rules import Rules
from bot.store import Delivery, Subscription, open_store
from tests.builders import at, race, snap

ROOT = Path(__file__).resolve().parent.parent


def test_turnout_milestones_before_any_result_are_announced() -> None:
    rules = Rules(turnout_voters=(1_000_000,), previous_round_voters=(("national", 1_500_000),))
    seen: set[str] = set()
    baseline = None
    keys: list[str] = []
    for minutes, voters, votes in ((0, 400_000, {}), (10, 1_600_000, {}), (20, 1_700_000, None)):
        r = race(votes or {"a": 0, "b": 0}, counted=0 if votes is not None else 100, voters=voters)
        if votes is None:
            r = race({"a": 900_000, "b": 700_000}, counted=100, voters=voters)
        s = snap(r, minutes=minutes)
        found = diff(baseline, s, rules, at(minutes))
        keys += [e.key for e in admit(found, seen)]
        baseline = advance(baseline, s, found)
    assert "national:turnout:voters:1000000" in keys
    assert "national:turnout:previous_round" in keys
    assert keys.index("national:turnout:voters:1000000") < keys.index("national:first_results")


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


async def test_move_chat_with_the_new_id_already_queued_leaves_nothing_stuck() -> None:
    store = await open_store(":memory:")
    try:
        rows = [
            Delivery(event_key="e1", platform="telegram", chat_id=c, message=Message(text="x"))
            for c in ("-1", "-100")
        ]
        await store.enqueue(rows, at(0))
        await store.move_chat("telegram", "-1", "-100")
        due = await store.due(at(1))
        assert [(d.event_key, d.chat_id) for d in due] == [("e1", "-100")]
    finally:
        await store.close()


def test_replay_into_a_db_with_subscriptions_queues_nothing(tmp_path: Path) -> None:
    db = tmp_path / "live.db"

    async def subscribe_a_group() -> None:
        store = await open_store(str(db))
        await store.subscribe(
            Subscription(platform="telegram", chat_id="-100123", race="*", locale="fr")
        )
        await store.close()

    asyncio.run(subscribe_a_group())
    files = [str(p) for p in sorted((ROOT / "config" / "demo").glob("*.json"))[:2]]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "replay", *files, "--db", str(db), "--format", "jsonl"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0
    assert [json.loads(line)["kind"] for line in result.stdout.splitlines()] == ["first_results"]
    import sqlite3

    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
