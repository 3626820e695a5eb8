"""The bot's health, as GET /healthz reports it: running or paused, each source's last
success and failures in a row, the outbox's depth, the platforms up, whether this instance
leads. Unhealthy when the store does not answer a read and a write within STORE_PATIENCE."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.admin import Controls, SourceView
from bot.metrics import Metrics
from bot.store import Store, StoreUnavailable

STORE_PATIENCE = 1.0  # seconds the store has to answer a check
# The setting each check writes, so that a store that cannot write (a full disk, a
# database another process holds locked) fails the check as one that cannot read does.
CHECKED = "health:checked"
CLOSE_PATIENCE = 6.0  # seconds a stop waits for a question (SQLite's busy timeout is 5 s)


@dataclass(frozen=True, kw_only=True, slots=True)
class Report:
    """What one check found."""

    at: datetime
    paused: bool
    leader: bool
    sources: tuple[SourceView, ...]
    platforms: Mapping[str, bool]  # each platform the bot runs (the console too): up or not
    pending: Mapping[str, int] | None  # messages waiting per platform; None when unread
    store: str | None = None  # why the store failed the check; None when it passed

    @property
    def healthy(self) -> bool:
        """Return True when the store answered, reading and writing, within its patience."""
        return self.store is None

    def body(self) -> dict[str, Any]:
        """Return the report as GET /healthz's JSON body."""
        pending = self.pending
        return {
            "healthy": self.healthy,
            "status": "paused" if self.paused else "running",
            "leader": self.leader,
            "store": self.store or "ok",
            "outbox": None
            if pending is None
            else {"pending": sum(pending.values()), "by_platform": dict(sorted(pending.items()))},
            "platforms": dict(self.platforms),
            "sources": {
                s.id: {
                    "last_success": _iso(s.last_fetch),
                    "last_change": _iso(s.last_change),
                    "failures_in_a_row": s.failures,
                    "last_error": s.last_error,
                }
                for s in self.sources
            },
            "checked_at": self.at.isoformat(),
        }


class Checkup:
    """Checks the running bot, on its loop: asks the store for the outbox's depth and to
    keep one setting, within STORE_PATIENCE, reads the rest from the controls, and sets the
    metrics' gauges from what it found."""

    def __init__(
        self,
        store: Store,
        controls: Controls,
        platforms: Collection[str],
        metrics: Metrics,
        *,
        started: datetime,
        leader: Callable[[], bool] = lambda: True,  # without a lease, the one instance leads
    ) -> None:
        self.store, self.controls, self.metrics = store, controls, metrics
        self.platforms, self.started, self.leader = tuple(platforms), started, leader
        self._asking: asyncio.Task[dict[str, int]] | None = None
        self._pending: dict[str, int] | None = None  # the last depth read

    async def check(self) -> Report:
        """Check the bot now; return the report, the gauges set from it."""
        problem, pending = await self._ask_store()
        running = set(self.controls.platforms())
        report = Report(
            at=self.controls.now(), paused=self.controls.paused, leader=self.leader(),
            sources=tuple(self.controls.sources()),
            platforms={p: p in running for p in self.platforms}, pending=pending, store=problem,
        )  # fmt: skip
        self._observe(report)
        return report

    async def close(self) -> None:
        """Let a question still waiting for the store end before the store closes (a
        locked database answers within its busy timeout); cancel it past CLOSE_PATIENCE."""
        if self._asking is not None and not self._asking.done():
            await asyncio.wait({self._asking}, timeout=CLOSE_PATIENCE)
            self._asking.cancel()

    async def _ask_store(self) -> tuple[str | None, dict[str, int] | None]:
        """Return why the store failed (None when it did not) and the outbox's depth. A
        question still unanswered from an earlier check is waited for, never asked twice."""
        if self._asking is None or self._asking.done():
            self._asking = asyncio.ensure_future(self._question())
            self._asking.add_done_callback(_retrieved)
        done, _ = await asyncio.wait({self._asking}, timeout=STORE_PATIENCE)
        if not done:
            return f"no answer within {STORE_PATIENCE:g} s", self._pending
        try:
            return None, self._asking.result()
        except StoreUnavailable as exc:
            return f"unavailable: {exc}", self._pending
        except Exception as exc:  # the check says what went wrong, whatever it is
            return f"{type(exc).__name__}: {exc}", self._pending

    async def _question(self) -> dict[str, int]:
        self._pending = pending = await self.store.pending_counts()
        await self.store.set_setting(CHECKED, self.controls.now().isoformat())
        return pending

    def _observe(self, report: Report) -> None:
        """Set the gauges from a report."""
        m = self.metrics
        if report.pending is not None:
            m.depth(report.pending)
        for s in report.sources:
            since = s.last_change or self.started
            m.staleness.labels(s.id).set(max(0.0, (report.at - since).total_seconds()))
            m.failures.labels(s.id).set(s.failures)
        for platform, up in report.platforms.items():
            m.platform_up.labels(platform).set(int(up))
        m.paused.set(int(report.paused))
        m.leader.set(int(report.leader))
        m.healthy.set(int(report.healthy))


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _retrieved(task: asyncio.Task[dict[str, int]]) -> None:
    """Take a finished question's exception, so that one no check awaited is not logged
    as never retrieved (the next check reads it again from the task)."""
    if not task.cancelled():
        task.exception()
