"""Work off the loop: computed in a thread of its own while the loop runs on."""

from __future__ import annotations

import asyncio
import sys
import threading

import pytest

from bot.worker import SWITCH_INTERVAL, off_loop


async def test_the_result_comes_back_from_another_thread() -> None:
    def where(x: int, *, y: int) -> tuple[int, str]:
        return x + y, threading.current_thread().name

    total, thread = await off_loop(where, 2, y=3)
    assert total == 5
    assert thread == "soiree-where"
    assert thread != threading.current_thread().name


async def test_a_worker_hands_the_gil_back_within_a_millisecond() -> None:
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)  # CPython's default
    try:
        await off_loop(int, "1")
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
    finally:
        sys.setswitchinterval(before)


async def test_an_error_is_raised_in_the_awaiting_task() -> None:
    def fail() -> None:
        raise OverflowError("date value out of range")

    with pytest.raises(OverflowError, match="date value out of range"):
        await off_loop(fail)


async def test_the_loop_runs_while_the_work_blocks() -> None:
    release, ticks = threading.Event(), []

    async def tick() -> None:
        while not release.is_set():
            ticks.append(1)
            if len(ticks) >= 5:
                release.set()  # the loop ran five times while the thread waited
            await asyncio.sleep(0.001)

    ticker = asyncio.create_task(tick())
    assert await off_loop(release.wait, 30) is True
    await ticker
    assert len(ticks) >= 5


async def test_a_cancelled_wait_leaves_the_thread_to_finish() -> None:
    release, finished = threading.Event(), threading.Event()

    def work() -> None:
        release.wait(30)
        finished.set()

    task = asyncio.create_task(off_loop(work))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    assert await asyncio.to_thread(finished.wait, 30)
