"""The poller: one per source, coordinator-style. Logs failures and recoveries once each."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.formats.limits import DEFAULT_LIMITS, Limits
from bot.formats.registry import Options
from bot.metrics import Metrics
from bot.pipeline import Outcome, Pipeline
from bot.sources.base import Source
from bot.sources.errors import FetchError
from bot.sources.indexed import IndexedSource
from bot.store import StoreUnavailable

log = logging.getLogger(__name__)

MAX_BACKOFF = 300.0
# Seconds a new body may keep its turn while it is read. A body that comes in at network
# speed is read within its turn, so that when a hundred files change together they are
# read a couple at a time (bot.app's VERSIONS_AT_ONCE) and wait unread on their sockets;
# a slower body gives its turn back and reads on without one (within the source's
# deadline), so that a slow or hostile server never holds a turn the others wait for.
TURN_FOR_READING = 0.5
# Tries of one version whose processing fails (not for a store that cannot write: that is
# not the version's fault) before it is set aside and the source reads on without it.
PROCESSING_ATTEMPTS = 3


@dataclass(kw_only=True, slots=True)
class SourceStatus:
    """What a poller knows about its source, for /status and staleness checks."""

    last_fetch: datetime | None = None
    last_change: datetime | None = None
    failures: int = 0
    last_error: str | None = None


class Poller:
    """Fetches a source, skips unchanged bodies, backs off on failure, feeds the pipeline."""

    def __init__(
        self,
        *,
        source_id: str,
        fmt: str,
        source: Source,
        pipeline: Pipeline,
        interval: float,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
        options: Options | None = None,
        gate: asyncio.Semaphore | None = None,
        limits: Limits = DEFAULT_LIMITS,
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics or Metrics()
        self.options: Options = options or {}
        self.limits = limits  # the source's: what its versions may unpack to, how far ahead
        # Shared by the pollers of an app: how many of them may hold a new body at once,
        # from reading it to recording it. When a hundred files changed together, a hundred
        # parsed versions waiting for the store and the chart thread took over a gigabyte.
        # An idle poll (304, 404) takes no turn: polls never queue behind one another.
        self.gate = gate
        self._holding = False
        self._lending: asyncio.TimerHandle | None = None
        self._fetching: asyncio.Task[bytes | None] | None = None
        if gate is not None:
            source.before_body = self._turn_to_read  # an HTTP source takes it before reading
        self.source_id, self.fmt, self.source, self.pipeline = source_id, fmt, source, pipeline
        self.interval, self.clock = interval, clock
        self.rng = rng or random.Random()
        self.status = SourceStatus()
        self._retry_at: datetime | None = None
        self._last_sha: str | None = None
        self._pending: bytes | None = None
        self._attempts = 0  # failed tries of the pending version
        self._replay_done = False
        self._stopped = False

    async def poll(self) -> Outcome | None:
        """Run one poll; return the pipeline's outcome when a new body arrived."""
        now = self.clock()
        if self._stopped or (self._retry_at is not None and now < self._retry_at):
            return None
        try:
            return await self._poll(now)
        finally:
            self._end_turn()

    def stop(self) -> None:
        """Process nothing more: a fetch under way is cancelled (nothing of it is recorded
        yet), a version being processed still finishes."""
        self._stopped = True
        if self._fetching is not None:
            self._fetching.cancel()

    async def _take_turn(self) -> None:
        if self.gate is not None and not self._holding:
            await self.gate.acquire()
            self._holding = True

    async def _turn_to_read(self) -> None:
        """Take a turn to read a new body; give it back if the read outlasts TURN_FOR_READING."""
        await self._take_turn()
        self._lending = asyncio.get_running_loop().call_later(TURN_FOR_READING, self._lend_turn)

    def _lend_turn(self) -> None:
        log.debug("source %s: a body slow to come reads on without a turn", self.source_id)
        self._end_turn()

    def _end_turn(self) -> None:
        if self.gate is not None and self._holding:
            self._holding = False
            self.gate.release()

    async def _poll(self, now: datetime) -> Outcome | None:
        retried = self._pending is not None
        raw = await self._next_body(now)
        if raw is None:
            return None
        await self._take_turn()  # taken already, unless the body was slow to come
        if self._stopped:  # the bot stopped while this body waited for its turn
            return None
        sha = hashlib.sha256(raw).hexdigest()
        if sha == self._last_sha:
            self.metrics.polled(self.source_id, "hash_skip")
            return None
        self.metrics.polled(self.source_id, "retried" if retried else "changed")
        return await self._ingest(raw, sha, now)

    async def _next_body(self, now: datetime) -> bytes | None:
        """Return the body kept from a failed attempt, else the source's (None: nothing new)."""
        raw, self._pending = self._pending, None
        if raw is not None:
            return raw
        try:
            raw = await self._fetch()
        except FetchError as exc:
            self.metrics.polled(self.source_id, "failed")
            self._failed(str(exc), now)
            return None
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if not self._stopped or (current is not None and current.cancelling()):
                raise
            return None  # stop() cut the fetch short
        self._recovered(now)
        if raw is None:
            self.metrics.polled(self.source_id, "not_modified")
            self._note_replay_end()
        return raw

    async def _fetch(self) -> bytes | None:
        """Run the source's fetch as a task of its own, which stop() may cancel."""
        self._fetching = asyncio.ensure_future(self.source.fetch())
        try:
            return await self._fetching
        finally:
            self._fetching = None
            if self._lending is not None:  # the read is over, in its turn or not
                self._lending.cancel()
                self._lending = None

    async def _ingest(self, raw: bytes, sha: str, now: datetime) -> Outcome | None:
        started = time.perf_counter()
        try:
            # A file that follows the Ministry's index is dated by the index it was fetched by.
            index = self.source.index if isinstance(self.source, IndexedSource) else None
            outcome = await self.pipeline.ingest(
                self.source_id, self.fmt, raw, self.source.origin, self.options, self.limits,
                index,
            )  # fmt: skip
        except StoreUnavailable as exc:
            # Not the version's fault: keep it (the source counts it as read already: ETag,
            # file stamp) and try again once the store can write, however long that takes.
            self.metrics.processed(self.source_id, "failed")
            self._pending = raw
            self._failed(f"the store cannot write: {exc}", now)
            return None
        except Exception as exc:
            self.metrics.processed(self.source_id, "failed")
            await self._processing_failed(raw, sha, exc, now)
            return None
        kinds = (e.kind for e in outcome.events)
        self.metrics.processed(self.source_id, outcome.status, kinds, time.perf_counter() - started)
        self._attempts = 0
        self._last_sha = sha
        self.status.last_change = now
        return outcome

    async def _processing_failed(self, raw: bytes, sha: str, exc: Exception, now: datetime) -> None:
        """Count a failed try of a version; keep it for another, with backoff, until it has
        had PROCESSING_ATTEMPTS; then set it aside, and read on."""
        self._attempts += 1
        error = f"processing a new version failed: {type(exc).__name__}: {exc}"
        if self._attempts == 1:
            log.exception("source %s: %s; will retry", self.source_id, error)
        if self._attempts < PROCESSING_ATTEMPTS:
            self._pending = raw
            self._failed(error, now)
            return
        try:
            await self.pipeline.set_aside(
                self.source_id, raw, self.source.origin, error, self._attempts
            )
        except Exception:  # the store, most likely: keep the version, try it all again
            log.exception("source %s: could not set a version aside; will retry", self.source_id)
            self._pending = raw
            self._failed(error, now)
            return
        self._attempts, self._last_sha = 0, sha
        self.metrics.processed(self.source_id, "set_aside")
        self._failed(error, now, wait=False)  # counted; the next version is read at once

    def _note_replay_end(self) -> None:
        if self.source.exhausted and not self._replay_done:
            self._replay_done = True
            log.info(
                "source %s: replay finished; commands keep answering from the store "
                "(Ctrl-C to quit)",
                self.source_id,
            )

    def backoff(self, failures: int) -> float:
        """Return the wait in seconds after `failures` failures in a row, with jitter."""
        base = min(MAX_BACKOFF, self.interval * 2.0 ** (failures - 1))
        return base * self.rng.uniform(0.5, 1.0)

    def _failed(self, error: str, now: datetime, *, wait: bool = True) -> None:
        self.status.failures += 1
        self.status.last_error = error
        if wait:
            self._retry_at = now + timedelta(seconds=self.backoff(self.status.failures))
        if self.status.failures == 1:
            log.warning("source %s is failing: %s", self.source_id, error)
        else:
            log.debug(
                "source %s still failing (%d): %s", self.source_id, self.status.failures, error
            )

    def _recovered(self, now: datetime) -> None:
        self.status.last_fetch = now
        if self.status.failures:
            log.warning(
                "source %s recovered after %d failed attempts", self.source_id, self.status.failures
            )
        self.status.failures = 0
        self.status.last_error = None
        self._retry_at = None
