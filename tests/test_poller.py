"""The poller: unchanged bodies skipped, failures backed off, a failed version retried."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import pytest

from bot.app import display_of
from bot.config import DEFAULT_CONFIG, load
from bot.pipeline import Pipeline
from bot.poller import PROCESSING_ATTEMPTS, TURN_FOR_READING, Poller
from bot.sources.base import BeforeBody
from bot.sources.errors import FetchError
from bot.sources.http import HttpSource
from bot.store import Store, open_store
from bot.store.sqlite import SQLiteStore
from tests.builders import at, feed_bytes
from tests.feedserver import FeedServer
from tests.store.backends import fill_up, make_room
from tests.support import wait_for


@dataclass
class ScriptedSource:
    """A feed that returns what it is told, once each, then "not modified"."""

    bodies: list[bytes | Exception] = field(default_factory=list)
    origin: str = "scripted"
    exhausted: bool = False
    before_body: BeforeBody | None = None

    async def fetch(self) -> bytes | None:
        if not self.bodies:
            return None
        item = self.bodies.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def make(store: Store, source: ScriptedSource) -> Poller:
    config = load(DEFAULT_CONFIG)
    pipeline = Pipeline(store, config.rules, display_of(config), lambda: at(0), deliver=False)
    return Poller(source_id="s", fmt="canonical-json", source=source, pipeline=pipeline,
                  interval=10, clock=lambda: at(0), rng=random.Random(1))  # fmt: skip


async def test_a_version_whose_processing_failed_is_processed_again(store: Store) -> None:
    body = feed_bytes(10, {"a": 60, "b": 40}, counted=50)
    broken = await open_store(":memory:")
    await broken.close()  # every query on it fails
    now = [at(0)]
    poller = make(broken, ScriptedSource([body]))
    poller.clock = lambda: now[0]
    assert await poller.poll() is None  # failed, kept
    assert poller.status.failures == 1  # counted: /status shows it
    poller.pipeline.store = store
    assert await poller.poll() is None  # within the backoff: not tried again yet
    now[0] = at(1)
    outcome = await poller.poll()  # the source has nothing new: the kept body is used
    assert outcome is not None
    assert outcome.status == "accepted"
    assert await store.latest_version("s") == at(10)


async def test_same_body_twice_is_skipped(store: Store) -> None:
    body = feed_bytes(10, {"a": 60, "b": 40}, counted=50)
    poller = make(store, ScriptedSource([body, body]))
    first = await poller.poll()
    assert first is not None
    assert first.status == "accepted"
    assert await poller.poll() is None


def test_backoff_grows_and_is_capped() -> None:
    poller = Poller(source_id="s", fmt="canonical-json", source=ScriptedSource(),
                    pipeline=None, interval=10, clock=lambda: at(0),  # type: ignore[arg-type]
                    rng=random.Random(1))  # fmt: skip
    waits = [poller.backoff(n) for n in range(1, 10)]
    assert 5 <= waits[0] <= 10
    assert 40 <= waits[3] <= 80
    assert max(waits) <= 300


async def test_failures_back_off_then_recover(store: Store, caplog: pytest.LogCaptureFixture):
    now = [at(0)]
    source = ScriptedSource([FetchError("boom"), FetchError("boom")])
    poller = make(store, source)
    poller.clock = lambda: now[0]
    assert await poller.poll() is None
    assert poller.status.failures == 1
    assert await poller.poll() is None  # within the backoff: not even fetched
    assert len(source.bodies) == 1
    now[0] = at(1)
    await poller.poll()
    assert poller.status.failures == 2
    now[0] = at(5)
    await poller.poll()
    assert poller.status.failures == 0
    assert caplog.text.count("is failing") == 1
    assert caplog.text.count("recovered after 2") == 1


async def test_the_gate_holds_one_new_version_at_a_time(store: Store) -> None:
    # A hundred files changing at once must not all be parsed and held together.
    inside, most = 0, 0
    gate = asyncio.Semaphore(1)
    pollers = []
    for n in range(5):
        poller = make(store, ScriptedSource([feed_bytes(10, {"a": 60, "b": 40}, counted=50)]))
        poller.source_id, poller.gate = f"s{n}", gate
        ingest = poller.pipeline.ingest

        async def counted(*args: Any, ingest: Any = ingest) -> Any:
            nonlocal inside, most
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            try:
                return await ingest(*args)
            finally:
                inside -= 1

        poller.pipeline.ingest = counted  # type: ignore[method-assign]
        pollers.append(poller)
    outcomes = await asyncio.gather(*(p.poll() for p in pollers))
    assert [o.status for o in outcomes if o] == ["accepted"] * 5
    assert most == 1
    assert not gate.locked()  # every turn was given back


async def test_an_idle_http_poll_takes_no_turn(store: Store, feed: FeedServer, http) -> None:
    # Polls must never queue behind a version being processed: only a new body waits.
    feed.publish(feed_bytes(10, {"a": 60, "b": 40}, counted=50))
    gate = asyncio.Semaphore(1)
    poller = make(store, ScriptedSource())
    poller.source, poller.gate = HttpSource(feed.url, http), gate
    poller.source.before_body = poller._turn_to_read
    outcome = await poller.poll()
    assert outcome is not None
    assert outcome.status == "accepted"
    async with gate:  # another source's version is being processed
        assert await asyncio.wait_for(poller.poll(), 5) is None  # a 304: no wait
        feed.publish(feed_bytes(20, {"a": 70, "b": 30}, counted=60))
        waiting = asyncio.create_task(poller.poll())
        await asyncio.sleep(0.2)
        assert not waiting.done()  # a new body waits for its turn before it is read
    outcome = await waiting
    assert outcome is not None
    assert outcome.status == "accepted"
    assert [h.status for h in feed.hits] == [200, 304, 200]


async def test_a_gated_poller_hands_its_turn_to_every_source(store: Store) -> None:
    config = load(DEFAULT_CONFIG)
    pipeline = Pipeline(store, config.rules, display_of(config), lambda: at(0), deliver=False)
    source = ScriptedSource()
    poller = Poller(source_id="s", fmt="canonical-json", source=source, pipeline=pipeline,
                    interval=10, clock=lambda: at(0), gate=asyncio.Semaphore(1))  # fmt: skip
    assert source.before_body == poller._turn_to_read
    assert make(store, ScriptedSource()).source.before_body is None  # no gate, no hook


async def test_a_slow_body_gives_its_turn_back(store: Store, feed: FeedServer, http) -> None:
    # Two bodies dripping a byte a second took both turns: no other source was read.
    feed.publish(b'{"v": 1}' + b" " * 400)
    feed.drip = 0.05  # 20 s for the whole body
    gate = asyncio.Semaphore(1)
    slow = make(store, ScriptedSource())
    slow.source, slow.gate = HttpSource(feed.url, http, timeout=60), gate
    slow.source.before_body = slow._turn_to_read
    dripping = asyncio.create_task(slow.poll())
    await wait_for(gate.locked, what="the slow body's turn")
    other = make(store, ScriptedSource([feed_bytes(10, {"a": 60, "b": 40}, counted=50)]))
    other.gate = gate
    started = time.monotonic()
    outcome = await asyncio.wait_for(other.poll(), 10)
    waited = time.monotonic() - started
    assert outcome is not None
    assert outcome.status == "accepted"
    assert TURN_FOR_READING * 0.9 <= waited < TURN_FOR_READING + 5  # lent back, not held
    assert not dripping.done()  # still reading, without a turn
    slow.stop()  # a fetch under way is cut short: nothing of it was recorded
    assert await asyncio.wait_for(dripping, 5) is None
    assert not gate.locked()
    assert slow.status.failures == 0


async def test_an_exhausted_source_is_said_once(store: Store, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="bot.poller")
    idle = make(store, ScriptedSource())  # nothing new, but not played out
    assert await idle.poll() is None
    assert "replay finished" not in caplog.text
    poller = make(store, ScriptedSource(exhausted=True))
    assert await poller.poll() is None
    assert await poller.poll() is None
    assert caplog.text.count("replay finished") == 1


async def poison(store: Store, raw: bytes) -> None:
    """Make the store refuse to record this one version (as nothing in a feed can)."""
    sha = hashlib.sha256(raw).hexdigest()
    await cast(SQLiteStore, store)._db.execute(
        f"CREATE TRIGGER poison BEFORE INSERT ON snapshots WHEN NEW.sha256 = '{sha}'"
        " BEGIN SELECT RAISE(ABORT, 'poisoned version'); END"
    )


async def test_a_version_that_keeps_failing_is_set_aside_and_the_source_reads_on(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    bad, good = (feed_bytes(m, {"a": 60, "b": 40}, counted=m) for m in (10, 20))
    await poison(store, bad)
    now = [at(0)]
    poller = make(store, ScriptedSource([bad, good]))
    poller.clock = lambda: now[0]
    for attempt in range(1, PROCESSING_ATTEMPTS):
        assert await poller.poll() is None
        assert poller.status.failures == attempt  # /status shows each
        assert "IntegrityError: poisoned version" in (poller.status.last_error or "")
        assert await poller.poll() is None  # within the backoff: not tried
        now[0] += timedelta(minutes=10)
    assert await poller.poll() is None  # the last try: set aside, no wait after it
    assert poller.status.failures == PROCESSING_ATTEMPTS
    [kept] = await store.rejected_versions("s")
    assert (kept.raw, kept.attempts) == (bad, PROCESSING_ATTEMPTS)
    outcome = await poller.poll()  # the next version, at once
    assert outcome is not None
    assert outcome.status == "accepted"
    assert await store.latest_version("s") == at(20)
    assert caplog.text.count("Traceback") == 1  # the first failure's only


async def test_a_store_that_cannot_write_never_sets_a_version_aside(store: Store) -> None:
    body = feed_bytes(10, {f"c{i:03d}": i + 1 for i in range(300)}, counted=50)  # pages' worth
    await fill_up(store)
    now = [at(0)]
    poller = make(store, ScriptedSource([body]))
    poller.clock = lambda: now[0]
    for attempt in range(1, PROCESSING_ATTEMPTS + 3):
        assert await poller.poll() is None
        assert poller.status.failures == attempt
        assert (poller.status.last_error or "").startswith("the store cannot write")
        now[0] += timedelta(hours=1)
    await make_room(store)
    outcome = await poller.poll()  # still kept, and recorded now
    assert outcome is not None
    assert outcome.status == "accepted"
    assert await store.rejected_versions() == []
