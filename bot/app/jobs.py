"""The scheduler's jobs: each runs alone, a failure is logged, and stopping waits for them."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger("bot.app")  # the name its log lines have always had

Job = Callable[[], Awaitable[Any]]


class Jobs:
    """APScheduler 3's AsyncIOScheduler on the running loop, each job `max_instances=1` and
    `coalesce=True`, run so that `finish()` can wait for those under way."""

    def __init__(self) -> None:
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._running: set[asyncio.Task[Any]] = set()
        self._closed = False  # shut down: no run starts any more

    def every(self, func: Job, job_id: str, seconds: float) -> None:
        """Run a job every `seconds`, the first time at once."""
        self.scheduler.add_job(
            self._guard(func),
            "interval",
            seconds=seconds,
            id=job_id,
            name=job_id,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),  # the scheduler's own clock, not the bot's
            misfire_grace_time=None,
        )

    def retry(self, func: Job, job_id: str, seconds: float) -> None:
        """Run a job every `seconds`, the first time in `seconds` (a start that failed)."""
        self.scheduler.add_job(
            self._guard(func),
            "interval",
            seconds=seconds,
            id=job_id,
            name=job_id,
            max_instances=1,
            coalesce=True,
        )

    def has(self, job_id: str) -> bool:
        """Return True while a job is scheduled."""
        return self.scheduler.get_job(job_id) is not None

    def remove(self, job_id: str) -> None:
        """Unschedule a job."""
        self.scheduler.remove_job(job_id)

    def run_now(self, job_id: str) -> None:
        """Run a scheduled job now rather than at its next tick (nothing if not scheduled)."""
        job = self.scheduler.get_job(job_id)
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    def waker(self, job_id: str) -> Callable[[], None]:
        """Return a callback that runs a job now: how a component asks for the next step."""
        return functools.partial(self.run_now, job_id)

    def start(self) -> None:
        """Start running the jobs on the current loop."""
        self._closed = False
        self.scheduler.start()

    def shutdown(self) -> None:
        """Start no new run; runs under way go on (see `finish`)."""
        # APScheduler 3.11 shuts down on the loop's next turn (run_in_event_loop): a run it
        # hands out meanwhile, even after the store closed, must not start.
        self._closed = True
        if self.scheduler.running:
            # A run handed to the executor just before the shutdown is cancelled before it
            # starts; nothing of it ran, so APScheduler's traceback for it is noise.
            logging.getLogger("apscheduler.executors.default").addFilter(_not_cancelled)
            self.scheduler.shutdown(wait=False)

    async def finish(self) -> None:
        """Wait for the runs under way."""
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    def _guard(self, func: Job) -> Callable[[], Awaitable[None]]:
        """Wrap a job so that finish() can wait for it and a failure is logged, not lost."""

        async def work() -> None:
            try:
                await func()
            except Exception:
                log.exception("job %s failed", getattr(func, "__qualname__", func))

        async def job() -> None:
            # APScheduler cancels running jobs when it shuts down; a cycle cut between a send
            # and its record would send again after a restart. The work runs as a task of
            # its own, which stop() lets finish.
            if self._closed:
                return
            task = asyncio.ensure_future(work())
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(task)

        return job


def _not_cancelled(record: logging.LogRecord) -> bool:
    """Return False for a log record of a job cancelled by the scheduler's shutdown."""
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, asyncio.CancelledError)
