"""Construction in one place: every component of the bot, made from the config and the
options and connected, with nothing opened (bot/app/lifecycle.py opens and closes)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import cast

import httpx

from bot.adapters import platform_adapters
from bot.adapters.base import Adapter
from bot.adapters.console import CHAT_ID, ConsoleAdapter
from bot.admin import Admin, AdminControls
from bot.app.jobs import Jobs
from bot.app.leadership import Electing, Leadership, LeaseTimes
from bot.app.options import Options
from bot.audience import AdminChats
from bot.charts import Charts
from bot.commands import Commands
from bot.commands.inline import Inline
from bot.config import Config, SourceConfig
from bot.deeplinks import BotLinks
from bot.display import Display
from bot.formats.limits import Limits
from bot.live import Scoreboards
from bot.lock import InstanceLock
from bot.logs import redact_url
from bot.metrics import Metrics
from bot.outage import OutageNotices
from bot.outbox import Dispatcher
from bot.pipeline import Pipeline
from bot.poller import Poller
from bot.sources.base import Source
from bot.sources.files import FileSource, ReplaySource
from bot.sources.http import HttpSource
from bot.sources.indexed import IndexedSource, IndexWatch
from bot.staleness import StaleNotices, StaleWatch
from bot.store import SettingStore, Store, store_at

# New feed bodies read and processed at once, across all sources (bot.poller.Poller.gate);
# idle polls take no turn, and a body slow to come gives its turn back (TURN_FOR_READING).
# Processing is serial anyway (one event loop, one store connection, one chart thread);
# the second turn lets a body be read and parsed while another version waits for charts.
VERSIONS_AT_ONCE = 2


@dataclass(frozen=True, kw_only=True, slots=True)
class Parts:
    """Every component of a running bot, connected to one another; none opened yet."""

    db: Path  # the store's file, resolved, or ":memory:" (charts go beside it)
    where: str  # what the logs call the store: its file, or its URL without a password
    lock: InstanceLock | None  # one instance per store file; none in memory nor PostgreSQL
    store: Store
    http: httpx.AsyncClient
    own_http: bool  # made here, so closed here (a test's client is the test's)
    jobs: Jobs
    charts: Charts
    live: Scoreboards
    pipeline: Pipeline
    pollers: tuple[Poller, ...]
    dispatcher: Dispatcher
    controls: AdminControls
    commands: Commands
    console: ConsoleAdapter
    adapters: dict[str, Adapter]  # those running: the console, each platform once started
    platforms: dict[str, Adapter]  # the platforms whose tokens are set, to start
    staleness: StaleNotices | None  # None when no source is watched (replays just end)
    staging: bool
    metrics: Metrics  # this bot's own registry (GET /metrics)
    leadership: Leadership  # whether this instance leads (always, but on PostgreSQL)


def display_of(config: Config) -> Display:
    """Return how messages read, from the config: its locale, time zone, source labels."""
    # Reversed: the first source of an id gives its label, as Config.source_label reads it.
    firsts = {s.id: s.label for s in reversed(config.sources)}
    labels = {source: label for source, label in firsts.items() if label is not None}
    return Display(locale=config.locale, tz=config.tz, labels=labels)


def admins_of(config: Config) -> AdminChats:
    """Return the admin chats, each in its language: the console, and the config's [[chats]]
    with admin = true (a chat listed twice is one if either says so)."""
    chats = {(c.platform, c.id): c.locale or config.locale for c in config.chats if c.admin}
    return AdminChats({("console", CHAT_ID): config.locale, **chats})


def build(config: Config, options: Options) -> Parts:
    """Make every component from the config and the options, connected; open nothing."""
    db = config.db if str(config.db) == ":memory:" else config.db.resolve()
    where = config.database_url or str(db)  # PostgreSQL, shared, or the SQLite file
    jobs, store, display = Jobs(), store_at(where), display_of(config)
    leadership = _leadership(config, store, options)
    metrics = Metrics()
    admins = admins_of(config)
    links = BotLinks()  # Telegram's adapter tells it the bot's username, for /share
    http = options.http_client or httpx.AsyncClient(follow_redirects=True)
    charts = Charts(config.charts, config.tz, config.chats)
    adapters: dict[str, Adapter] = {}
    live = Scoreboards(
        store, display, adapters, clock=options.clock,
        interval=config.live_interval / max(options.speed, 1.0),
    )  # fmt: skip
    staging = options.staging or config.staging
    pipeline = Pipeline(
        store, config.rules, display, options.clock, staging=staging, charts=charts,
        on_enqueued=jobs.waker("dispatch"), on_accepted=jobs.waker("live"), admins=admins,
        metrics=metrics,
    )  # fmt: skip
    # On a shared store, a replay's position is kept there: a new leader goes on from it.
    pollers = _pollers(config, options, pipeline, http, metrics,
                       store if config.database_url else None)  # fmt: skip
    # The store's outages: the dispatcher tells them with one instance; on a shared store,
    # the instance leading once it answers again does (bot.outage).
    outages = OutageNotices(adapters, admins, config.tz)
    leadership.on_unreachable = outages.unreachable if leadership.shared else None
    dispatcher = Dispatcher(
        store, adapters, clock=options.clock,
        digest_max=options.digest_max or config.digest_max,
        time_scale=1.0 / options.rate_scale,  # fakes' time runs faster in tests
        on_outage=None if leadership.shared else outages.tell, metrics=metrics,
    )  # fmt: skip
    dispatcher.leading = leadership.leading  # a send starts only while this instance leads
    controls = AdminControls(
        store, dispatcher, pollers, adapters, clock=options.clock, wake=jobs.waker("dispatch")
    )
    commands = Commands(
        store, display, config.rules, main_races=config.main_races,
        admin=Admin(store, controls, leadership), admins=admins, charts=charts, live=live,
        links=links,
    )  # fmt: skip
    adapters["console"] = console = _console(options, commands, db)
    platforms = platform_adapters(
        options.env, commands.handle, options.rate_scale, config.slack_managers,
        inline=Inline(commands.handlers), links=links, media_chat=config.telegram_media_chat,
    )  # fmt: skip
    for adapter in platforms.values():
        if hasattr(adapter, "may_send"):  # Telegram: checked as each request leaves
            adapter.may_send = leadership.leading
    return Parts(
        db=db, where=redact_url(where), store=store,
        lock=None if str(db) == ":memory:" or config.database_url else InstanceLock(db),
        http=http, own_http=options.http_client is None, jobs=jobs, charts=charts, live=live,
        pipeline=pipeline, pollers=pollers, dispatcher=dispatcher, controls=controls,
        commands=commands, console=console, adapters=adapters,
        platforms=platforms,
        staleness=_staleness(config, options, store, pollers, jobs, admins), staging=staging,
        metrics=metrics, leadership=leadership,
    )  # fmt: skip


def _leadership(config: Config, store: Store, options: Options) -> Leadership:
    """Return who leads: on PostgreSQL, a lease renewed at least three times in its length,
    a leader acting until 30 % of its lease is left; otherwise this instance, always."""
    if config.database_url is None:
        return Leadership(None)
    lease = config.lease
    times = LeaseTimes(lease=lease, renew=min(config.lease_renewal, lease / 3), margin=lease * 0.3)
    return Leadership(cast(Electing, store), times, now=options.clock)


def _console(options: Options, commands: Commands, db: Path) -> ConsoleAdapter:
    """Return the console chat; its charts go next to the store's file."""
    return ConsoleAdapter(
        commands,
        out=options.out,
        interactive=options.interactive,
        charts_dir=None if str(db) == ":memory:" else db.parent / "charts",
    )


def _pollers(
    config: Config, options: Options, pipeline: Pipeline, http: httpx.AsyncClient,
    metrics: Metrics, keep: SettingStore | None = None,
) -> tuple[Poller, ...]:  # fmt: skip
    """Return one poller per source, all taking turns at one gate."""
    gate = asyncio.Semaphore(VERSIONS_AT_ONCE)
    watches: dict[str, IndexWatch] = {}  # one per index URL, read for all its files
    return tuple(
        Poller(
            source_id=sc.id,
            fmt=sc.format,
            source=_source(sc, http, watches, options.speed, keep),
            pipeline=pipeline,
            interval=sc.interval / options.speed,
            clock=options.clock,
            options=sc.options,
            gate=gate,
            limits=Limits(max_bytes=sc.max_bytes, max_future=sc.max_future),
            metrics=metrics,
        )
        for sc in config.sources
    )


def _source(
    sc: SourceConfig, http: httpx.AsyncClient, watches: dict[str, IndexWatch], speed: float,
    keep: SettingStore | None = None,
) -> Source:  # fmt: skip
    """Return the transport a source's config names: a URL (following an index, if it
    names one), a file, or files to replay."""

    def make(url: str) -> HttpSource:
        return HttpSource(url, http, timeout=sc.timeout, max_bytes=sc.max_bytes)

    if sc.url:
        if sc.index is None:
            return make(sc.url)
        if sc.index not in watches:
            watches[sc.index] = IndexWatch(
                make(sc.index), make, every=sc.interval / speed / 2, round=sc.options.get("round")
            )
        return IndexedSource(make(sc.url), watches[sc.index])
    if sc.path:
        return FileSource(sc.path, sc.max_bytes)
    return ReplaySource(sc.replay, sc.max_bytes, keep, key=f"replay:{sc.id}")


def _staleness(
    config: Config, options: Options, store: Store, pollers: tuple[Poller, ...], jobs: Jobs,
    admins: AdminChats,
) -> StaleNotices | None:  # fmt: skip
    """Return the stale-source notices, their watches starting now; None if nothing is
    watched (a replay just ends)."""
    speed, start = options.speed, options.clock()
    watched = [sc for sc in config.sources if sc.kind != "replay"]
    if not watched:
        return None
    watches = {
        sc.id: StaleWatch(
            stale_after=timedelta(seconds=sc.stale_after / speed),
            since=start,
            window_start=config.window_start,
            window_end=config.window_end,
        )
        for sc in watched
    }
    every = min(5.0, min(sc.stale_after for sc in watched) / 4) / speed
    return StaleNotices(
        store, pollers, watches, every=every, tz=config.tz, clock=options.clock,
        wake=jobs.waker("dispatch"), admins=admins,
    )  # fmt: skip
