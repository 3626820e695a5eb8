"""The pacer: per-chat spacing and the sliding window of group chats, on a fake clock."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.base import InFlight, Pacer


def test_interval_between_sends_to_one_chat() -> None:
    now = [0.0]
    pacer = Pacer(1.0, monotonic=lambda: now[0])
    assert [pacer.reserve("a") for _ in range(3)] == [0.0, 1.0, 2.0]
    assert pacer.reserve("b") == 0.0
    now[0] = 10.0
    assert pacer.reserve("a") == 0.0


def test_group_window_allows_a_burst_then_waits_for_the_window() -> None:
    now = [0.0]
    pacer = Pacer(
        0.0, burst=3, window=60.0, grouped=lambda c: c.startswith("-"), monotonic=lambda: now[0]
    )
    assert [pacer.reserve("-1") for _ in range(5)] == [0.0, 0.0, 0.0, 60.0, 60.0]
    assert [pacer.reserve("7") for _ in range(5)] == [0.0] * 5  # a private chat has no window
    now[0] = 61.0
    assert pacer.reserve("-1") == 0.0  # the window (1, 61] holds two sends: a third may go
    assert pacer.reserve("-1") == 59.0  # a fourth waits until the send at 60 ages out


def test_overall_window_holds_across_chats() -> None:
    now = [0.0]
    pacer = Pacer(1.0, overall=(3, 1.0), monotonic=lambda: now[0])
    delays = [pacer.reserve(f"chat{i}") for i in range(7)]
    assert delays == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0]


def test_overall_window_with_out_of_order_bookings() -> None:
    import random

    now = [0.0]
    pacer = Pacer(0.3, overall=(5, 1.0), monotonic=lambda: now[0])
    rng = random.Random(7)
    slots = []
    for _ in range(200):
        chat = f"c{rng.randrange(20)}"
        slots.append(now[0] + pacer.reserve(chat))
        now[0] += rng.random() * 0.05
    slots.sort()
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(slots, slots[5:], strict=False))


@pytest.mark.parametrize(("bulk", "reply_waits"), [(True, 1.0), (False, 3.0)])
async def test_a_reply_goes_ahead_of_alerts_waiting_for_the_overall_window(
    bulk: bool, reply_waits: float
) -> None:
    # Two sends a second in all; two went at 0, four alerts of a fan-out wait for a slot.
    now, woken, asleep = [0.0], asyncio.Event(), asyncio.Event()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 4:
            asleep.set()
        await woken.wait()  # the clock does not move: the alerts wait

    pacer = Pacer(1.0, overall=(2, 1.0), monotonic=lambda: now[0], sleep=sleep)
    assert [pacer.reserve(c) for c in "ab"] == [0.0, 0.0]
    alerts = [asyncio.ensure_future(pacer.wait(c, bulk=bulk)) for c in "cdef"]
    await asleep.wait()
    try:
        # Bulk alerts book their slot once it has come: the reply takes the next free one.
        assert pacer.reserve("reply") == reply_waits
    finally:
        for task in alerts:
            task.cancel()
        await asyncio.gather(*alerts, return_exceptions=True)


async def test_an_alert_woken_late_books_its_slot_from_when_it_opened() -> None:
    # Two sends a second in all, two went at 0; the alert's slot opens at 1.0, and a busy
    # loop wakes it at 1.3: the slot after the next is 2.0 (one second after it), not 2.3.
    now = [0.0]

    async def late(seconds: float) -> None:
        now[0] += seconds + 0.3

    pacer = Pacer(1.0, overall=(2, 1.0), monotonic=lambda: now[0], sleep=late)
    assert [pacer.reserve(c) for c in "ab"] == [0.0, 0.0]
    await pacer.wait("c", bulk=True)
    assert now[0] == pytest.approx(1.3)
    assert pacer.reserve("d") == 0.0
    assert pacer.reserve("e") == pytest.approx(0.7)


async def test_bulk_sends_are_spread_over_the_window_and_a_reply_waits_one_spacing() -> None:
    # Three sends a second in all: a fan-out's alerts go one every third of a second, not
    # three at the start of each second; a reply between two waits for the next third.
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = Pacer(1.0, overall=(3, 1.0), monotonic=lambda: now[0], sleep=sleep)
    sent = []
    for chat in "abcdefg":
        await pacer.wait(chat, bulk=True)
        sent.append(now[0])
    assert sent == pytest.approx([0.0, 1 / 3, 2 / 3, 1.0, 4 / 3, 5 / 3, 2.0])
    now[0] = 2.1
    assert pacer.reserve("reply") == pytest.approx(1 / 3 - 0.1)


async def test_bulk_senders_waking_together_still_go_one_spacing_apart() -> None:
    # Eight alerts wait at once (the dispatcher drains chats side by side); the fake clock
    # moves to the earliest sleeper's time and wakes everyone due then, together.
    now, due = [0.0], asyncio.Condition()
    sleepers: list[float] = []

    async def sleep(seconds: float) -> None:
        until = now[0] + seconds
        sleepers.append(until)
        async with due:
            await due.wait_for(lambda: now[0] >= until)
        sleepers.remove(until)

    pacer = Pacer(1.0, overall=(4, 1.0), monotonic=lambda: now[0], sleep=sleep)
    sent: list[float] = []

    async def alert(chat: str) -> None:
        await pacer.wait(chat, bulk=True)
        sent.append(now[0])

    tasks = [asyncio.ensure_future(alert(f"c{i}")) for i in range(8)]
    while not all(t.done() for t in tasks):
        await asyncio.sleep(0)
        if sleepers and len(sleepers) + len(sent) == len(tasks):  # everyone else sleeps
            async with due:
                now[0] = min(sleepers)
                due.notify_all()
    assert sent == pytest.approx([i / 4 for i in range(8)])


async def test_in_flight_handlers_are_awaited_then_the_late_ones_cancelled():
    inflight = InFlight()
    release = asyncio.Event()

    async def handler(wait: asyncio.Event | None) -> str:
        inflight.enter()
        try:
            if wait is None:
                await asyncio.Event().wait()  # never answers
            else:
                await wait.wait()
            return "done"
        finally:
            inflight.leave()

    quick = asyncio.create_task(handler(release))
    stuck = asyncio.create_task(handler(None))
    await asyncio.sleep(0)  # both entered
    assert len(inflight) == 2
    asyncio.get_running_loop().call_soon(release.set)
    assert await inflight.drain(within=0.2) == 1
    assert inflight.draining
    assert quick.result() == "done"
    with pytest.raises(asyncio.CancelledError):
        await stuck
    assert len(inflight) == 0
