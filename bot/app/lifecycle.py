"""The running bot: `start()` opens what the builder made (the instance lock, the store, the
adapters, the scheduler's jobs) on the current loop, `stop()` closes it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot import heap
from bot.adapters.base import Adapter
from bot.adapters.console import CHAT_ID
from bot.app.builder import build
from bot.app.options import Options
from bot.config import Config
from bot.health import Checkup
from bot.logs import redact, secrets_from
from bot.store import Store, StoreUnavailable, Subscription

if TYPE_CHECKING:
    from bot.endpoints import OwnServer

log = logging.getLogger("bot.app")  # the name its log lines have always had

ADAPTER_START_TIMEOUT = 15.0
ADAPTER_RETRY = 60.0  # seconds between two starts of an adapter that failed


class App:
    """The bot, built by bot.app.builder from a config and options (no I/O): `start()` and
    `stop()` bracket its life on the current loop."""

    def __init__(self, config: Config, options: Options | None = None) -> None:
        self.config = config
        self.options = options or Options()
        self.parts = parts = build(config, self.options)
        # The components the bot is made of, as tests and benchmarks read them.
        self.store, self.jobs, self.charts = parts.store, parts.jobs, parts.charts
        self.pipeline, self.pollers = parts.pipeline, parts.pollers
        self.dispatcher, self.live = parts.dispatcher, parts.live
        self.commands, self.controls = parts.commands, parts.controls
        self.console, self.adapters = parts.console, parts.adapters
        self.staleness, self.metrics = parts.staleness, parts.metrics
        self.leadership = parts.leadership
        self.checkup = Checkup(
            parts.store, parts.controls, ["console", *parts.platforms], parts.metrics,
            started=self.options.clock(), leader=parts.leadership.leading,
        )  # fmt: skip
        self._warming: asyncio.Task[None] | None = None  # the chart renderer, loaded at start
        self.server: OwnServer | None = None  # /healthz and /metrics on a server of their own

    async def start(self) -> None:
        """Take the lock, open the store, start adapters, schedule the poll and dispatch jobs."""
        self._lock()
        await self.store.open()
        await seed_subscriptions(self.store, self.config)
        if await self.controls.restore(self.options.paused):
            log.warning("announcements are paused (/resume from an admin chat)")
        if self.parts.staging:
            log.warning("staging mode: every announcement goes to the admin chats only")
        await self.console.start()
        self._warming = asyncio.create_task(self.charts.warm(), name="charts-warm")
        await self._lead(await self.leadership.start())
        self.leadership.on_change, self.leadership.wake = self._lead, self.jobs.waker("lease")
        if self.leadership.shared:
            self.jobs.every(self.leadership.renew, "lease", self.leadership.times.renew)
        self.jobs.start()  # polls and the console run while the platforms connect
        await self._serve()
        await asyncio.gather(*(self._start_adapter(a) for a in self.parts.platforms.values()))
        log.info(
            "Soirée started: %d source(s), store %s, adapters: %s; %s",
            len(self.pollers),
            self.parts.where,
            ", ".join(self.adapters),
            self.leadership.describe(),
        )

    async def _serve(self) -> None:
        """Serve GET /healthz and /metrics when $PORT is set (bot.endpoints); an address that
        cannot be listened on is logged, and the bot runs without them. Without $PORT,
        bot.endpoints and aiohttp are not even imported (7 MB of the resident set)."""
        if self.options.env.get("PORT") is None:
            return
        from bot.endpoints import Endpoints, serve

        endpoints = Endpoints(self.checkup, self.metrics, asyncio.get_running_loop())
        try:
            self.server = await serve(self.options.env, self.parts.platforms, endpoints)
        except OSError as exc:
            log.error("cannot serve /healthz and /metrics on $PORT: %s", exc)

    def _lock(self) -> None:
        """Make the store's folder and take its lock (none in memory); a folder or a lock file
        that cannot be made is StoreUnavailable, naming them and the cause."""
        if self.parts.lock is None:
            return
        try:
            self.parts.db.parent.mkdir(parents=True, exist_ok=True)
            self.parts.lock.acquire()
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            cause = f"{exc.strerror or exc}{where}"
            raise StoreUnavailable(f"cannot open the store {self.parts.db}: {cause}") from exc

    async def settle(self) -> None:
        """Once the chart worker has loaded its renderer, set aside what is alive for good,
        so that the collector's full passes walk only the night's objects (bot.heap.freeze)."""
        if self._warming is not None:
            await self._warming
        heap.freeze()

    async def stop(self) -> None:
        """Stop jobs, wait for the running ones, stop adapters, close the store."""
        if self.server is not None:
            await self.server.stop()
        await self.checkup.close()
        self.jobs.shutdown()
        for poller in self.pollers:  # fetches under way are cut short, polls give up
            poller.stop()
        self.dispatcher.stop()  # sends under way finish and are recorded; no new one starts
        await self.jobs.finish()
        await self.dispatcher.flush()  # receipts the store refused: one more try
        await self.leadership.resign()  # a standby takes over at once
        await self.leadership.finish()
        for adapter in self.adapters.values():
            await adapter.stop()
        if self._warming is not None:
            await self._warming
        self.charts.close()
        if self.parts.own_http:
            await self.parts.http.aclose()
        await self.store.close()
        if self.parts.lock is not None:
            self.parts.lock.release()

    def wake(self) -> None:
        """Run the dispatch job now rather than at its next tick."""
        self.jobs.run_now("dispatch")

    async def _lead(self, leading: bool) -> None:
        """Run the leader's jobs and take Telegram's updates while this instance leads; a
        standby stops them (runs under way end; the store refuses what they would record)."""
        if leading and not self.jobs.has("dispatch"):
            self._schedule()
        elif not leading:
            for job_id in self._leader_jobs():
                if self.jobs.has(job_id):
                    self.jobs.remove(job_id)
        for adapter in self.parts.platforms.values():
            listen = getattr(adapter, "listen", None)  # Telegram: one consumer per token
            if listen is not None:
                await listen(leading)

    def _leader_jobs(self) -> list[str]:
        return [*(f"poll:{p.source_id}" for p in self.pollers), "staleness", "dispatch", "live"]

    def _schedule(self) -> None:
        """Schedule every poll, the staleness check, the dispatch and the live boards, each
        run only while this instance leads by its own clock."""
        speed, only = self.options.speed, self._if_leading
        for poller in self.pollers:
            self.jobs.every(only(poller.poll), f"poll:{poller.source_id}", poller.interval)
        if self.staleness is not None:
            self.jobs.every(only(self.staleness.check), "staleness", self.staleness.every)
        self.jobs.every(
            only(self.dispatcher.run_once), "dispatch",
            self.config.dispatch_interval / max(speed, 1.0),
        )  # fmt: skip
        # Scoreboards are checked often; each chat's own throttle decides when one is edited.
        every = min(1.0, self.config.live_interval / 5) / max(speed, 1.0)
        self.jobs.every(only(self.live.run_once), "live", every)

    def _if_leading(self, job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
        """Wrap a leader's job: a run that comes once the lease is ending does nothing (the
        job itself is removed as soon as the lease's timer says so)."""

        async def run() -> None:
            if self.leadership.leading():
                await job()

        run.__qualname__ = getattr(job, "__qualname__", "job")  # as the logs name it
        return run

    async def _start_adapter(self, adapter: Adapter) -> bool:
        """Start an adapter; one that fails is retried every minute, its messages queued."""
        job_id = f"start:{adapter.platform}"
        try:
            # A platform that never answers must not hold the night: give up, retry later.
            await asyncio.wait_for(adapter.start(), ADAPTER_START_TIMEOUT)
        except Exception as exc:
            self.adapters.pop(adapter.platform, None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(adapter.stop(), ADAPTER_START_TIMEOUT)
            if not self.jobs.has(job_id):
                log.error(
                    "%s adapter did not start (%s); retrying every minute, its messages "
                    "stay queued",
                    adapter.platform,
                    redact(str(exc), secrets_from(self.options.env)),
                )
                self.jobs.retry(lambda: self._start_adapter(adapter), job_id, ADAPTER_RETRY)
            return False
        self.adapters[adapter.platform] = adapter
        if self.jobs.has(job_id):
            self.jobs.remove(job_id)
            log.warning("%s adapter started after all", adapter.platform)
        return True


async def seed_subscriptions(store: Store, config: Config) -> None:
    """Subscribe the config's [[chats]], and the console to everything unless it chose."""
    for chat in config.chats:
        for race in chat.races:
            await store.subscribe(
                Subscription(
                    platform=chat.platform,
                    chat_id=chat.id,
                    race=race,
                    locale=chat.locale or config.locale,
                )
            )
    if not await store.subscriptions("console", CHAT_ID):
        await store.subscribe(
            Subscription(platform="console", chat_id=CHAT_ID, race="*", locale=config.locale)
        )


async def run(
    config: Config, options: Options | None = None, stop: asyncio.Event | None = None
) -> None:
    """Run the bot until `stop` is set (or forever)."""
    app = App(config, options)
    try:
        await app.start()
    except BaseException:  # a store that cannot be written, a platform lost: close what opened
        await app.stop()  # (an open store's thread would keep the process from ending)
        raise
    try:
        await app.settle()
        await (stop or asyncio.Event()).wait()
    finally:
        await app.stop()
