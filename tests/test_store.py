"""One suite for every store backend: SQLite in memory and SQLite on disk."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot.diff import advance, diff
from bot.render.message import Message
from bot.rules import Rules
from bot.store import Cycle, Delivery, Store, Subscription
from tests.builders import at, race, snap


def cycle(minutes: int, votes: dict[str, int], *, counted: int, deliveries=(), store_events=True):
    s = snap(race(votes, counted=counted), minutes=minutes)
    events = diff(None, s, Rules(), at(minutes))
    return Cycle(
        source="src",
        snapshot=s,
        raw=f"raw-{minutes}".encode(),
        sha256=hashlib.sha256(str(minutes).encode()).hexdigest(),
        fetched_at=at(minutes),
        baseline=advance(None, s, events),
        events=events if store_events else [],
        deliveries=list(deliveries),
        flagged_races=frozenset(),
    )


def delivery(key: str, chat: str = "c1", platform: str = "console") -> Delivery:
    return Delivery(event_key=key, platform=platform, chat_id=chat, message=Message(text=key))


async def test_cycle_round_trip(store: Store) -> None:
    assert await store.latest_version("src") is None
    assert await store.baseline("src") is None
    c = cycle(10, {"a": 60, "b": 40}, counted=50)
    await store.commit_cycle(c)
    assert await store.latest_version("src") == at(10)
    assert await store.baseline("src") == c.baseline
    stored = await store.latest_race("national")
    assert stored is not None
    assert stored.race == c.snapshot.races[0]
    assert stored.updated_at == at(10)
    assert not stored.flagged
    assert await store.raw_snapshots("src") == [b"raw-10"]


async def test_ledger_drops_seen_keys_and_covers(store: Store) -> None:
    c = cycle(10, {"a": 60, "b": 40}, counted=300)
    assert [e.kind for e in c.events] == ["caught_up"]
    await store.commit_cycle(c)
    assert await store.unseen(c.events) == []
    ledger = dict(await store.ledger())
    assert ledger["national:caught_up"] == "caught_up"
    for key in c.events[0].covers:
        assert ledger[key] == "covered"


async def test_cycle_is_atomic(store: Store) -> None:
    bad = Delivery(
        event_key="k",
        platform="console",
        chat_id="c",
        message=Message(text="x", blocks=({"not": {1, 2}},)),  # a set is not JSON
    )
    c = cycle(10, {"a": 60, "b": 40}, counted=50, deliveries=[bad])
    with pytest.raises(TypeError):
        await store.commit_cycle(c)
    assert await store.latest_version("src") is None
    assert await store.ledger() == []
    assert await store.outbox_counts() == {}


async def test_subscriptions(store: Store) -> None:
    sub = Subscription(platform="telegram", chat_id="-100", race="national", locale="fr")
    await store.subscribe(sub)
    await store.subscribe(
        Subscription(platform="telegram", chat_id="-100", race="national", locale="en")
    )
    subs = await store.subscriptions("telegram")
    assert [(s.chat_id, s.locale) for s in subs] == [("-100", "en")]
    assert await store.unsubscribe("telegram", "-100", "national") == 1
    assert await store.subscriptions() == []


async def test_outbox_order_retry_and_sent(store: Store) -> None:
    c = cycle(
        10,
        {"a": 60, "b": 40},
        counted=50,
        deliveries=[delivery("k1"), delivery("k2"), delivery("k1", chat="c2")],
    )
    await store.commit_cycle(c)
    due = await store.due(at(10))
    assert [(d.event_key, d.chat_id) for d in due] == [("k1", "c1"), ("k2", "c1"), ("k1", "c2")]
    await store.retry_later(due[0].id, at(20), "boom", count=True)
    # k2 waits behind k1 in chat c1; chat c2 is not held back.
    assert [(d.event_key, d.chat_id) for d in await store.due(at(15))] == [("k1", "c2")]
    assert [d.attempts for d in await store.due(at(20)) if d.id == due[0].id] == [1]
    await store.mark_sent(due[1].id, at(11))
    assert await store.outbox_counts() == {"pending": 2, "sent": 1}
    assert await store.next_due() == at(10)
    assert await store.sent() == [("k2", "console", "c1")]


async def test_due_with_one_chat_holding_a_long_backlog(store: Store) -> None:
    # The console follows every race: a 35,000-commune file queues that many rows for it.
    await store.enqueue([delivery(f"k{i}") for i in range(6000)], at(0))
    await store.enqueue([delivery("other", chat="c2")], at(0))
    started = time.perf_counter()
    assert len(await store.due(at(0), limit=10_000)) == 6001
    first = (await store.due(at(0), limit=1))[0]
    await store.retry_later(first.id, at(20), "429", count=False)
    due = await store.due(at(10), limit=6000)
    assert [(d.event_key, d.chat_id) for d in due] == [("other", "c2")]  # c1 waits behind k0
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"due() took {elapsed:.2f} s over a 6,000-row backlog"


async def test_enqueue_is_idempotent_per_event_and_chat(store: Store) -> None:
    await store.enqueue([delivery("k1"), delivery("k1")], at(0))
    await store.enqueue([delivery("k1")], at(1))
    assert await store.outbox_counts() == {"pending": 1}


async def test_disable_chat_drops_pending(store: Store) -> None:
    await store.subscribe(Subscription(platform="console", chat_id="c1", race="*", locale="fr"))
    await store.enqueue([delivery("k1"), delivery("k2", chat="c2")], at(0))
    await store.disable_chat("console", "c1", "kicked")
    assert await store.subscriptions("console") == []
    assert len(await store.subscriptions("console", active=False)) == 1
    assert [d.chat_id for d in await store.due(at(1))] == ["c2"]
    assert await store.outbox_counts() == {"dropped": 1, "pending": 1}


async def test_move_chat_moves_subscriptions_and_pending(store: Store) -> None:
    await store.subscribe(Subscription(platform="telegram", chat_id="-1", race="*", locale="fr"))
    await store.enqueue([delivery("k1", chat="-1", platform="telegram")], at(0))
    await store.enqueue([delivery("k2", chat="-1")], at(0))
    await store.move_chat("telegram", "-1", "-1001")
    assert [s.chat_id for s in await store.subscriptions("telegram")] == ["-1001"]
    due = await store.due(at(0) + timedelta(seconds=1))
    assert sorted((d.platform, d.chat_id) for d in due) == [
        ("console", "-1"),
        ("telegram", "-1001"),
    ]


async def test_reopen_keeps_data_and_schema(tmp_path: Path) -> None:
    path = str(tmp_path / "s.db")
    s = await Store.open(path)
    await s.commit_cycle(cycle(10, {"a": 60, "b": 40}, counted=50))
    await s.close()
    s = await Store.open(path)
    try:
        assert await s.latest_version("src") == at(10)
        assert await s.ledger() != []
    finally:
        await s.close()


async def test_concurrent_cycle_and_outbox_writes_do_not_interleave(store: Store) -> None:
    await store.enqueue([delivery(f"k{i}", chat=f"c{i}") for i in range(20)], at(0))
    due = await store.due(at(1))

    async def outbox_traffic() -> None:
        for d in due:
            await store.retry_later(d.id, at(2), "429", count=False)
            await store.mark_sent(d.id, at(3))

    cycles = [cycle(10 + i, {"a": 60 + i, "b": 40}, counted=50 + i) for i in range(10)]
    await asyncio.gather(outbox_traffic(), *(store.commit_cycle(c) for c in cycles))
    assert await store.outbox_counts() == {"sent": 20}
    assert await store.latest_version("src") == at(19)


async def test_a_flagged_version_does_not_replace_the_figures_served(store: Store) -> None:
    good = cycle(10, {"a": 60, "b": 40}, counted=50)
    await store.commit_cycle(good)
    bad = dataclasses.replace(
        cycle(20, {"a": 90, "b": 10}, counted=60), flagged_races=frozenset({"national"})
    )
    await store.commit_cycle(bad)
    served = await store.latest_race("national")
    assert served is not None
    assert served.flagged
    assert served.race == good.snapshot.races[0]
    assert served.updated_at == at(10)
    await store.commit_cycle(cycle(30, {"a": 70, "b": 30}, counted=70))
    served = await store.latest_race("national")
    assert served is not None
    assert not served.flagged
    assert served.updated_at == at(30)
