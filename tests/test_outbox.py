"""The dispatcher against a scripted platform: retries, 429, gone, moved, order, no doubles."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from bot.adapters.base import Limits, Pacer, RateLimited, TargetGone, TargetMoved, TransientError
from bot.outbox import MAX_STORE_BACKOFF, Dispatcher
from bot.render.message import Message
from bot.store import Delivery, Store, Subscription
from tests.builders import at
from tests.store.backends import fill_up, make_room


@dataclass
class ScriptedPlatform:
    """A chat platform that records what it received and fails as scripted, per chat."""

    platform: str = "fake"
    limits: Limits = field(default_factory=Limits)
    pacer: Pacer = field(default_factory=lambda: Pacer(0.0))
    received: list[tuple[str, str]] = field(default_factory=list)
    failures: dict[str, list[Exception]] = field(default_factory=dict)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, chat_id: str, message: Message) -> None:
        queue = self.failures.get(chat_id)
        if queue:
            raise queue.pop(0)
        self.received.append((chat_id, message.text))


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
async def setup(store: Store):
    platform = ScriptedPlatform()
    clock = Clock(at(0))
    dispatcher = Dispatcher(store, {"fake": platform}, clock=clock, digest_max=1)
    return store, platform, clock, dispatcher


async def queue(store: Store, *items: tuple[str, str]) -> None:
    await store.enqueue(
        [
            Delivery(event_key=key, platform="fake", chat_id=chat, message=Message(text=key))
            for key, chat in items
        ],
        at(0),
    )


async def test_sends_in_order_and_once(setup) -> None:
    store, platform, _, dispatcher = setup
    await queue(store, ("e1", "a"), ("e2", "a"), ("e1", "b"))
    assert await dispatcher.run_once() == 3
    assert await dispatcher.run_once() == 0
    assert sorted(platform.received) == [("a", "e1"), ("a", "e2"), ("b", "e1")]
    assert [t for c, t in platform.received if c == "a"] == ["e1", "e2"]


async def test_rate_limited_waits_retry_after_then_sends_once(setup) -> None:
    store, platform, clock, dispatcher = setup
    platform.failures["a"] = [RateLimited(3)]
    await queue(store, ("e1", "a"), ("e2", "a"))
    assert await dispatcher.run_once() == 0
    clock.advance(2.9)
    assert await dispatcher.run_once() == 0
    assert platform.received == []
    clock.advance(0.1)
    assert await dispatcher.run_once() == 2
    assert platform.received == [("a", "e1"), ("a", "e2")]
    assert await store.outbox_counts() == {"sent": 2}


async def test_failure_blocks_later_messages_of_that_chat_only(setup) -> None:
    store, platform, clock, dispatcher = setup
    platform.failures["a"] = [TransientError("502")]
    await queue(store, ("e1", "a"), ("e2", "a"), ("e1", "b"))
    assert await dispatcher.run_once() == 1
    assert platform.received == [("b", "e1")]
    clock.advance(dispatcher.backoff(1) / 0.5)  # past the longest jittered wait
    assert await dispatcher.run_once() == 2
    assert platform.received[1:] == [("a", "e1"), ("a", "e2")]


async def test_transient_errors_back_off_exponentially(setup) -> None:
    store, platform, clock, dispatcher = setup
    platform.failures["a"] = [TransientError("500"), TimeoutError("slow"), TransientError("503")]
    await queue(store, ("e1", "a"))
    waits = []
    for _ in range(3):
        assert await dispatcher.run_once() == 0
        nxt = await store.next_due()
        assert nxt is not None
        waits.append((nxt - clock.now).total_seconds())
        clock.now = nxt
    assert waits[0] < waits[1] * 2
    assert waits[1] < waits[2] * 2
    assert 0.5 <= waits[0] <= 1.0
    assert 2.0 <= waits[2] <= 4.0
    assert await dispatcher.run_once() == 1
    assert platform.received == [("a", "e1")]


async def test_target_gone_disables_subscription(setup) -> None:
    store, platform, _, dispatcher = setup
    await store.subscribe(Subscription(platform="fake", chat_id="a", race="*", locale="fr"))
    platform.failures["a"] = [TargetGone("Forbidden: bot was kicked")]
    await queue(store, ("e1", "a"), ("e2", "a"))
    await dispatcher.run_once()
    await dispatcher.run_once()
    assert platform.received == []
    assert await store.subscriptions("fake") == []
    assert await store.outbox_counts() == {"dropped": 2}


async def test_target_moved_resends_to_new_id(setup) -> None:
    store, platform, _, dispatcher = setup
    await store.subscribe(Subscription(platform="fake", chat_id="-1", race="*", locale="fr"))
    platform.failures["-1"] = [TargetMoved("-1001")]
    await queue(store, ("e1", "-1"))
    assert await dispatcher.run_once() == 0
    assert await dispatcher.run_once() == 1
    assert platform.received == [("-1001", "e1")]
    assert [s.chat_id for s in await store.subscriptions("fake")] == ["-1001"]


async def test_missing_adapter_keeps_messages(store: Store) -> None:
    await store.enqueue(
        [Delivery(event_key="e", platform="telegram", chat_id="1", message=Message(text="x"))],
        at(0),
    )
    dispatcher = Dispatcher(store, {}, clock=Clock(at(1)))
    assert await dispatcher.run_once() == 0
    assert await store.outbox_counts() == {"pending": 1}


async def test_paused_sends_nothing(setup) -> None:
    store, _platform, _, dispatcher = setup
    await queue(store, ("e1", "a"))
    dispatcher.paused = True
    assert await dispatcher.run_once() == 0
    dispatcher.paused = False
    assert await dispatcher.run_once() == 1


async def test_per_chat_interval_spaces_sends_across_runs(store: Store) -> None:
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    pacer = Pacer(1.0, monotonic=lambda: now[0], sleep=sleep)
    platform = ScriptedPlatform(limits=Limits(per_chat_interval=1.0), pacer=pacer)
    dispatcher = Dispatcher(store, {"fake": platform}, clock=Clock(at(0)), digest_max=1)
    await queue(store, ("e1", "a"), ("e2", "a"), ("e3", "a"), ("e1", "b"))
    assert await dispatcher.run_once() == 4
    assert slept == [1.0, 1.0]
    now[0] += 0.25
    await queue(store, ("e4", "a"), ("e2", "b"))
    assert await dispatcher.run_once() == 2
    assert slept[2:] == [0.75]  # a waits out the rest of its second; b is long free


async def test_rows_for_a_stopped_platform_never_block_the_others(setup) -> None:
    store, platform, _, dispatcher = setup
    await store.enqueue(
        [
            Delivery(event_key=f"e{i}", platform="slack", chat_id="C1", message=Message(text="x"))
            for i in range(600)
        ],
        at(0),
    )
    await queue(store, ("late", "a"))
    assert await dispatcher.run_once(limit=500) == 1
    assert platform.received == [("a", "late")]
    assert (await store.outbox_counts())["pending"] == 600


async def test_a_chat_waiting_for_its_window_does_not_hold_the_run(store: Store) -> None:
    now = [0.0]
    pacer = Pacer(0.0, burst=1, window=60.0, grouped=lambda c: True, monotonic=lambda: now[0])
    platform = ScriptedPlatform(pacer=pacer)
    dispatcher = Dispatcher(store, {"fake": platform}, clock=Clock(at(0)), digest_max=1)
    await queue(store, ("e1", "busy"), ("e2", "busy"), ("e1", "quiet"))
    assert await dispatcher.run_once() == 2  # e2 to "busy" must wait 60 s: left for later
    assert sorted(platform.received) == [("busy", "e1"), ("quiet", "e1")]
    now[0] = 61.0
    assert await dispatcher.run_once() == 1
    assert platform.received[-1] == ("busy", "e2")


async def test_messages_due_together_go_as_one_digest(store: Store) -> None:
    platform = ScriptedPlatform()
    dispatcher = Dispatcher(store, {"fake": platform}, clock=Clock(at(0)), digest_max=3)
    await queue(store, *((f"e{i}", "a") for i in range(1, 6)), ("e1", "b"))
    assert await dispatcher.run_once() == 6
    assert sorted(platform.received) == [("a", "e1\n\ne2\n\ne3"), ("a", "e4\n\ne5"), ("b", "e1")]
    assert next(text for chat, text in platform.received if chat == "a") == "e1\n\ne2\n\ne3"
    assert await store.outbox_counts() == {"sent": 6}


async def test_a_refused_digest_is_retried_whole(store: Store) -> None:
    platform = ScriptedPlatform(failures={"a": [RateLimited(2)]})
    clock = Clock(at(0))
    dispatcher = Dispatcher(store, {"fake": platform}, clock=clock, digest_max=10)
    await queue(store, ("e1", "a"), ("e2", "a"))
    assert await dispatcher.run_once() == 0
    assert await store.outbox_counts() == {"pending": 2}
    clock.advance(2)
    assert await dispatcher.run_once() == 2
    assert platform.received == [("a", "e1\n\ne2")]


async def test_stop_ends_a_run_after_the_sends_under_way(store: Store) -> None:
    # A run of up to 500 messages, at 30 a second, could keep a stopping bot up for 17 s.
    started, release = asyncio.Event(), asyncio.Event()

    class Slow(ScriptedPlatform):
        async def send(self, chat_id: str, message: Message) -> None:
            started.set()
            await release.wait()
            await super().send(chat_id, message)

    platform = Slow(limits=Limits(concurrency=1))
    dispatcher = Dispatcher(store, {"fake": platform}, clock=Clock(at(0)), digest_max=1)
    await queue(store, *((f"e{i}", "a") for i in range(5)), ("e0", "b"))
    run = asyncio.create_task(dispatcher.run_once())
    await started.wait()
    dispatcher.stop()
    release.set()
    assert await run == 1  # the send under way went out and was recorded; nothing after it
    assert platform.received == [("a", "e0")]
    assert await store.outbox_counts() == {"sent": 1, "pending": 5}
    assert await dispatcher.run_once() == 0


# --- a store that cannot write: a real database with no room left (tests/store/backends) ------


PAD = "x" * 4000


async def queue_big(store: Store, *items: tuple[str, str]) -> None:
    """Queue messages that fill a page each: recording one needs a page the store lacks."""
    await store.enqueue(
        [
            Delivery(
                event_key=key, platform="fake", chat_id=chat, message=Message(text=f"{key} " + PAD)
            )
            for key, chat in items
        ],
        at(0),
    )


def keys(platform: ScriptedPlatform) -> list[tuple[str, str]]:
    return [(chat, text.split()[0]) for chat, text in platform.received]


async def test_a_message_whose_receipt_cannot_be_written_is_never_sent_again(setup, caplog):
    store, platform, clock, dispatcher = setup
    told: list[str | None] = []

    async def tell(error: str | None) -> None:
        told.append(error)

    dispatcher.on_outage = tell
    await queue_big(store, ("e1", "a"), ("e2", "a"), ("e1", "b"))
    await fill_up(store)
    assert await dispatcher.run_once() == 0  # sent, but not recorded
    assert sorted(keys(platform)) == [("a", "e1"), ("b", "e1")]
    assert told == ["database or disk is full"]  # the admin chats, once
    for _ in range(5):  # a second a run, the store still full: nothing goes, nothing again
        clock.advance(1)
        assert await dispatcher.run_once() == 0
    assert len(platform.received) == 2
    assert await store.outbox_counts() == {"pending": 3}
    await make_room(store)
    clock.advance(MAX_STORE_BACKOFF)
    assert await dispatcher.run_once() == 1  # the receipts written first, then e2 goes
    assert told == ["database or disk is full", None]
    assert sorted(keys(platform)) == [("a", "e1"), ("a", "e2"), ("b", "e1")]
    assert await store.outbox_counts() == {"sent": 3}
    assert caplog.text.count("the store cannot write (database or disk is full)") == 1
    assert "the store takes writes again" in caplog.text


async def test_the_store_is_tried_again_with_backoff_while_it_cannot_write(setup) -> None:
    store, platform, clock, dispatcher = setup
    await queue_big(store, ("e1", "a"))
    await fill_up(store)
    await dispatcher.run_once()
    waits = []
    for _ in range(4):
        retry_at = dispatcher.held.retry_at
        assert retry_at is not None
        waits.append((retry_at - clock.now).total_seconds())
        clock.now = retry_at
        assert await dispatcher.run_once() == 0
    assert 0.5 <= waits[0] <= 1.0
    assert 4.0 <= waits[3] <= 8.0  # doubling, jittered
    assert len(dispatcher.held.sent) == 1
    assert len(platform.received) == 1


async def test_a_failed_send_the_store_cannot_settle_waits_for_it(setup) -> None:
    store, platform, clock, dispatcher = setup
    platform.failures["a"] = [TransientError("502")]
    await queue_big(store, ("e1", "a"), ("e1", "b"))
    await fill_up(store)  # neither the retry nor b's receipt can be written
    assert await dispatcher.run_once() == 0
    clock.advance(1)
    assert await dispatcher.run_once() == 0
    assert keys(platform) == [("b", "e1")]
    await make_room(store)
    clock.advance(MAX_STORE_BACKOFF)
    # The retry and b's receipt are written, in order; a's wait is over by then: it goes.
    assert await dispatcher.run_once() == 1
    assert sorted(keys(platform)) == [("a", "e1"), ("b", "e1")]
    assert await store.outbox_counts() == {"sent": 2}


async def test_stopping_tries_the_held_receipts_once_more(setup, caplog) -> None:
    store, platform, _, dispatcher = setup
    await queue_big(store, ("e1", "a"), ("e1", "b"))
    await fill_up(store)
    await dispatcher.run_once()
    assert await dispatcher.flush() == 2  # still full: said in the log
    assert "2 receipt(s) or other outbox write(s) could not be stored" in caplog.text
    await make_room(store)
    assert await dispatcher.flush() == 0
    assert await store.outbox_counts() == {"sent": 2}
    assert len(platform.received) == 2
