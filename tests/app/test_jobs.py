"""The scheduler's jobs: the first run at once, one run of a job at a time, a failure logged
and the job kept, and stopping waits for the runs under way."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from bot.app import Jobs
from tests.support import wait_for


@pytest.fixture
async def jobs() -> AsyncIterator[Jobs]:
    made = Jobs()
    made.start()
    yield made
    made.shutdown()
    await made.finish()


async def test_a_job_runs_at_once_then_every_interval(jobs: Jobs) -> None:
    runs: list[float] = []

    async def tick() -> None:
        runs.append(asyncio.get_running_loop().time())

    jobs.every(tick, "tick", seconds=0.05)
    await wait_for(lambda: len(runs) >= 3, what="three runs")
    assert jobs.has("tick")
    jobs.remove("tick")
    assert not jobs.has("tick")


async def test_a_retry_waits_one_interval_before_its_first_run(jobs: Jobs) -> None:
    runs: list[str] = []

    async def again() -> None:
        runs.append("run")

    jobs.retry(again, "again", seconds=3600)
    await asyncio.sleep(0.1)
    assert runs == []
    jobs.run_now("again")  # as a component's waker does
    await wait_for(lambda: runs == ["run"], what="the run asked for")
    jobs.run_now("nothing-scheduled")  # no such job: nothing happens


async def test_a_failing_job_is_logged_and_runs_again(
    jobs: Jobs, caplog: pytest.LogCaptureFixture
) -> None:
    runs: list[int] = []

    async def broken() -> None:
        runs.append(1)
        raise RuntimeError("the feed's server is on fire")

    with caplog.at_level(logging.ERROR, logger="bot.app"):
        jobs.every(broken, "broken", seconds=0.05)
        await wait_for(lambda: len(runs) >= 2, what="a second run after the failure")
    assert "job test_a_failing_job_is_logged_and_runs_again.<locals>.broken failed" in caplog.text
    assert "the feed's server is on fire" in caplog.text


async def test_a_job_runs_alone_and_stopping_waits_for_the_run_under_way(jobs: Jobs) -> None:
    started, release, done = asyncio.Event(), asyncio.Event(), []
    running = peak = 0

    async def slow() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        started.set()
        await release.wait()
        running -= 1
        done.append(1)

    jobs.every(slow, "slow", seconds=0.01)
    await started.wait()
    await asyncio.sleep(0.1)  # many ticks while the run is under way
    jobs.shutdown()
    finishing = asyncio.ensure_future(jobs.finish())
    await asyncio.sleep(0.05)
    assert not finishing.done()  # waiting for the run, not cancelling it
    release.set()
    await finishing
    assert done == [1]
    assert peak == 1  # max_instances=1: the ticks meanwhile started no second run


async def test_no_run_starts_once_the_jobs_are_shut_down() -> None:
    made = Jobs()
    made.start()
    runs: list[int] = []

    async def tick() -> None:
        runs.append(1)

    made.every(tick, "tick", seconds=0.001)
    await wait_for(lambda: len(runs) >= 2, what="runs")
    made.run_now("tick")  # a run handed out on the loop's next turn...
    made.shutdown()  # ...before APScheduler's own shutdown, which waits for that turn too
    await made.finish()
    seen = len(runs)
    for _ in range(50):  # turns of the loop, in which APScheduler still hands runs out
        await asyncio.sleep(0)
    await made.finish()
    assert len(runs) == seen
