"""Wiring: store, sources, pollers, dispatcher, adapters and the scheduler on one loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import heap
from bot.adapters import platform_adapters
from bot.adapters.base import Adapter
from bot.adapters.console import CHAT_ID, ConsoleAdapter
from bot.admin import Admin, SourceView
from bot.charts import Charts
from bot.commands import Commands
from bot.config import Config, SourceConfig
from bot.live import Scoreboards
from bot.lock import InstanceLock
from bot.logs import redact, secrets_from
from bot.outbox import Dispatcher
from bot.pipeline import Pipeline
from bot.poller import Poller
from bot.render import markup_for
from bot.render.text import Renderer, Style
from bot.sources.base import Source
from bot.sources.files import FileSource, ReplaySource
from bot.sources.http import HttpSource
from bot.staleness import StaleWatch
from bot.store import Delivery, Store, Subscription, open_store

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
ADAPTER_START_TIMEOUT = 15.0
# New feed bodies read and processed at once, across all sources (bot.poller.Poller.gate);
# idle polls take no turn. Processing is serial anyway (one event loop, one store
# connection, one chart thread); the second turn lets a body be read and parsed while
# another version waits for its charts.
VERSIONS_AT_ONCE = 2


def utcnow() -> datetime:
    """Return the current time, timezone-aware."""
    return datetime.now(UTC)


@dataclass(kw_only=True)
class Options:
    """How to run: speed-up factor for intervals, where output goes, injected clock."""

    speed: float = 1.0
    paused: bool = False
    staging: bool = False
    digest_max: int | None = None  # overrides the config's digest_max
    out: TextIO | None = None
    interactive: bool | None = None
    clock: Clock = utcnow
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    http_client: httpx.AsyncClient | None = None
    # Divides the platforms' rate-limit windows: for tests and benchmarks against fakes only.
    rate_scale: float = 1.0


class App:
    """The running bot. `start()` and `stop()` bracket its life on the current loop."""

    def __init__(self, config: Config, options: Options | None = None) -> None:
        self.config = config
        self.options = options or Options()
        self.clock = self.options.clock
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.adapters: dict[str, Adapter] = {}
        self.pollers: list[Poller] = []
        self.watches: dict[str, StaleWatch] = {}
        self._running: set[asyncio.Task[Any]] = set()
        self._own_client = self.options.http_client is None
        self.http = self.options.http_client or httpx.AsyncClient(follow_redirects=True)
        self.store: Store
        self._lock: InstanceLock | None = None
        self.commands: Commands
        self.console: ConsoleAdapter
        self.pipeline: Pipeline
        self.dispatcher: Dispatcher
        self.charts: Charts
        self.live: Scoreboards
        self._warming: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Open the store, start adapters, schedule the poll and dispatch jobs."""
        db = self.config.db if str(self.config.db) == ":memory:" else self.config.db.resolve()
        if str(db) != ":memory:":
            db.parent.mkdir(parents=True, exist_ok=True)
            self._lock = InstanceLock(db)
            self._lock.acquire()
        self.store = await open_store(str(db))
        await self._seed_subscriptions()
        speed = self.options.speed
        self.charts = Charts(self.config)
        self.live = Scoreboards(
            self.store, self.config, self.adapters, clock=self.clock,
            interval=self.config.live_interval / max(speed, 1.0),
        )  # fmt: skip
        self.commands = Commands(
            self.store, self.config, Admin(self.store, self), charts=self.charts, live=self.live
        )
        self.console = ConsoleAdapter(
            self.commands,
            out=self.options.out,
            interactive=self.options.interactive,
            charts_dir=None if str(db) == ":memory:" else db.parent / "charts",
        )
        self.adapters["console"] = self.console
        platforms = self._platform_adapters()  # they join self.adapters once started
        staging = self.options.staging or self.config.staging
        self.pipeline = Pipeline(
            self.store, self.config, self.clock, on_enqueued=self.wake, staging=staging,
            charts=self.charts, on_accepted=self.wake_live,
        )  # fmt: skip
        self.dispatcher = Dispatcher(
            self.store, self.adapters, clock=self.clock,
            digest_max=self.options.digest_max or self.config.digest_max,
            time_scale=1.0 / self.options.rate_scale,  # fakes' time runs faster in tests
        )  # fmt: skip
        stored_pause = await self.store.setting("paused") == "1"
        self.dispatcher.paused = self.options.paused or stored_pause
        if self.dispatcher.paused:
            log.warning("announcements are paused (/resume from an admin chat)")
        if staging:
            log.warning("staging mode: every announcement goes to the admin chats only")
        await self.console.start()
        self._warming = asyncio.create_task(self.charts.warm(), name="charts-warm")
        self._schedule()
        self.scheduler.start()  # polls and the console run while the platforms connect
        await asyncio.gather(*(self._start_adapter(a) for a in platforms.values()))
        log.info(
            "Soirée started: %d source(s), store %s, adapters: %s",
            len(self.pollers),
            db,
            ", ".join(self.adapters),
        )

    async def settle(self) -> None:
        """Once the chart worker has loaded matplotlib, set aside what is alive for good, so
        that collecting a chart's figure is quick (bot.heap.freeze)."""
        if self._warming is not None:
            await self._warming
        heap.freeze()

    async def stop(self) -> None:
        """Stop jobs, wait for the running ones, stop adapters, close the store."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for poller in self.pollers:  # polls still waiting for the gate give up
            poller.stop()
        self.dispatcher.stop()  # sends under way finish and are recorded; no new one starts
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        for adapter in self.adapters.values():
            await adapter.stop()
        if self._warming is not None:
            await self._warming
        self.charts.close()
        if self._own_client:
            await self.http.aclose()
        await self.store.close()
        if self._lock is not None:
            self._lock.release()

    async def _seed_subscriptions(self) -> None:
        for chat in self.config.chats:
            for race in chat.races:
                await self.store.subscribe(
                    Subscription(
                        platform=chat.platform,
                        chat_id=chat.id,
                        race=race,
                        locale=chat.locale or self.config.locale,
                        admin=chat.admin,
                    )
                )
        if not await self.store.subscriptions("console", CHAT_ID):
            await self.store.subscribe(
                Subscription(
                    platform="console",
                    chat_id=CHAT_ID,
                    race="*",
                    locale=self.config.locale,
                    admin=True,
                )
            )

    def _platform_adapters(self) -> dict[str, Adapter]:
        """Return the platform adapters whose tokens are in the environment."""
        return platform_adapters(self.options.env, self.commands.handle, self.options.rate_scale)

    async def _start_adapter(self, adapter: Adapter) -> bool:
        """Start an adapter; one that fails is retried every minute, its messages queued."""
        try:
            # A platform that never answers must not hold the night: give up, retry later.
            await asyncio.wait_for(adapter.start(), ADAPTER_START_TIMEOUT)
        except Exception as exc:
            self.adapters.pop(adapter.platform, None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(adapter.stop(), ADAPTER_START_TIMEOUT)
            job_id = f"start:{adapter.platform}"
            if self.scheduler.get_job(job_id) is None:
                log.error(
                    "%s adapter did not start (%s); retrying every minute, its messages "
                    "stay queued",
                    adapter.platform,
                    redact(str(exc), secrets_from(self.options.env)),
                )
                self.scheduler.add_job(
                    self._guard(lambda: self._start_adapter(adapter)),
                    "interval",
                    seconds=60,
                    id=job_id,
                    name=job_id,
                    max_instances=1,
                    coalesce=True,
                )
            return False
        self.adapters[adapter.platform] = adapter
        if self.scheduler.get_job(f"start:{adapter.platform}") is not None:
            self.scheduler.remove_job(f"start:{adapter.platform}")
            log.warning("%s adapter started after all", adapter.platform)
        return True

    def _schedule(self) -> None:
        speed = self.options.speed
        gate = asyncio.Semaphore(VERSIONS_AT_ONCE)
        for sc in self.config.sources:
            poller = Poller(
                source_id=sc.id,
                fmt=sc.format,
                source=self._source(sc),
                pipeline=self.pipeline,
                interval=sc.interval / speed,
                clock=self.clock,
                options=sc.options,
                gate=gate,
            )
            self.pollers.append(poller)
            self._add_job(self._guard(poller.poll), f"poll:{sc.id}", sc.interval / speed)
        self._watch_staleness(speed)
        self._add_job(
            self._guard(self.dispatcher.run_once),
            "dispatch",
            self.config.dispatch_interval / max(speed, 1.0),
        )
        # Scoreboards are checked often; each chat's own throttle decides when one is edited.
        every = min(1.0, self.config.live_interval / 5) / max(speed, 1.0)
        self._add_job(self._guard(self.live.run_once), "live", every)

    def _watch_staleness(self, speed: float) -> None:
        """Schedule the check that tells admins when a source goes silent, and comes back."""
        start = self.clock()
        watched = [sc for sc in self.config.sources if sc.kind != "replay"]  # a replay just ends
        if not watched:
            return
        for sc in watched:
            self.watches[sc.id] = StaleWatch(
                stale_after=timedelta(seconds=sc.stale_after / speed), since=start,
                window_start=self.config.window_start, window_end=self.config.window_end,
            )  # fmt: skip
        every = min(5.0, min(sc.stale_after for sc in watched) / 4) / speed
        self._add_job(self._guard(self.check_staleness), "staleness", every)

    async def check_staleness(self) -> None:
        """Send one notice to the admin chats when a source goes stale, one when it recovers."""
        now = self.clock()
        for poller in self.pollers:
            watch = self.watches.get(poller.source_id)
            if watch is None:
                continue
            since = watch.since
            change = watch.update(now, poller.status.last_change)
            if change is None:
                continue
            log.warning("source %s %s", poller.source_id, "is stale" if change else "recovered")
            await self._notify_admins(poller, change, since, now)

    async def _notify_admins(
        self, poller: Poller, stale: bool, since: datetime, now: datetime
    ) -> None:
        chats = {(s.platform, s.chat_id): s for s in await self.store.subscriptions() if s.admin}
        key = f"{'stale' if stale else 'recovered'}:{poller.source_id}:{now.isoformat()}"
        deliveries = []
        for (platform, chat_id), sub in sorted(chats.items()):
            r = Renderer(Style(locale=sub.locale, tz=self.config.tz, markup=markup_for(platform)))
            if stale:
                message = r.notice(
                    "notice.stale", source=poller.source_id, since=r.time(since),
                    minutes=int((now - since).total_seconds() // 60),
                    reason=poller.status.last_error or r.t("notice.unchanged"),
                )  # fmt: skip
            else:
                message = r.notice("notice.recovered", source=poller.source_id, time=r.time(now))
            deliveries.append(
                Delivery(event_key=key, platform=platform, chat_id=chat_id, message=message)
            )
        await self.store.enqueue(deliveries, now)
        self.wake()

    def _add_job(self, func: Callable[[], Awaitable[Any]], job_id: str, seconds: float) -> None:
        self.scheduler.add_job(
            func,
            "interval",
            seconds=seconds,
            id=job_id,
            name=job_id,
            max_instances=1,
            coalesce=True,
            next_run_time=utcnow(),
            misfire_grace_time=None,
        )

    def _guard(self, func: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
        """Wrap a job so that stop() can wait for it and a failure is logged, not lost."""

        async def work() -> None:
            try:
                await func()
            except Exception:
                log.exception("job %s failed", getattr(func, "__qualname__", func))

        async def job() -> None:
            # APScheduler cancels running jobs when it shuts down; a cycle cut between a send
            # and its record would send again after a restart. The work runs as a task of
            # its own, which stop() lets finish.
            task = asyncio.ensure_future(work())
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(task)

        return job

    def _source(self, sc: SourceConfig) -> Source:
        if sc.url:
            return HttpSource(sc.url, self.http, timeout=sc.timeout, max_bytes=sc.max_bytes)
        if sc.path:
            return FileSource(sc.path, sc.max_bytes)
        return ReplaySource(sc.replay, sc.max_bytes)

    # --- what admins see and change (bot.admin.Controls) -------------------------------

    @property
    def paused(self) -> bool:
        """Return True while announcements are suspended."""
        return self.dispatcher.paused

    async def set_paused(self, paused: bool) -> None:
        """Suspend or resume announcements; the choice survives a restart."""
        self.dispatcher.paused = paused
        await self.store.set_setting("paused", "1" if paused else "0")
        log.warning("announcements %s by an admin", "paused" if paused else "resumed")
        if not paused:
            self.wake()

    def sources(self) -> list[SourceView]:
        """Return the state of every source."""
        return [
            SourceView(id=p.source_id, last_fetch=p.status.last_fetch,
                       last_change=p.status.last_change, failures=p.status.failures,
                       last_error=p.status.last_error)
            for p in self.pollers
        ]  # fmt: skip

    def platforms(self) -> list[str]:
        """Return the adapters running."""
        return sorted(self.adapters)

    def now(self) -> datetime:
        """Return the current time from the app's clock."""
        return self.clock()

    def wake(self) -> None:
        """Run the dispatch job now rather than at its next tick."""
        self._run_now("dispatch")

    def wake_live(self) -> None:
        """Check the live scoreboards now: new figures are in."""
        self._run_now("live")

    def _run_now(self, job_id: str) -> None:
        job = self.scheduler.get_job(job_id)
        if job is not None:
            job.modify(next_run_time=utcnow())


async def run(
    config: Config, options: Options | None = None, stop: asyncio.Event | None = None
) -> None:
    """Run the bot until `stop` is set (or forever)."""
    app = App(config, options)
    await app.start()
    try:
        await app.settle()
        await (stop or asyncio.Event()).wait()
    finally:
        await app.stop()
