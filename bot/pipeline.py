"""The pipeline: bytes of one feed version in; snapshot, events and deliveries stored out."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

from bot import levels, rows
from bot.audience import AdminChats, Audience
from bot.charts import SETTING_PREFIX, Budget, Charts
from bot.diff import advance, diff, served
from bot.display import Display
from bot.events import AnomalyDetected, Event
from bot.formats.errors import FeedError
from bot.formats.limits import DEFAULT_LIMITS, Limits
from bot.formats.ministry.index import Index
from bot.formats.registry import Options, parse
from bot.levels import Levels
from bot.logs import redact_urls
from bot.metrics import Metrics
from bot.models import Snapshot
from bot.render import markup_for
from bot.render.message import Image, Message
from bot.render.text import Renderer, anomaly_detail
from bot.rivals import Rivalry, Served, compare
from bot.rounds import attached
from bot.rules import Rules
from bot.store import Cycle, Delivery, RejectedVersion, Store, Subscription
from bot.worker import off_loop

log = logging.getLogger(__name__)

MAX_ERROR = 500  # characters of a set-aside version's error kept and shown
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # served since then: served at all
# Events × chats of a version whose messages are worked out on the loop, not in a worker.
INLINE_PAIRS = 64
P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """What became of one feed version: accepted, rejected, stale or unchanged."""

    status: str
    origin: str
    events: tuple[Event, ...] = ()
    error: str | None = None
    snapshot: Snapshot | None = field(default=None, repr=False)


class Pipeline:
    """Parses, diffs, records and enqueues one feed version at a time."""

    def __init__(
        self,
        store: Store,
        rules: Rules,
        display: Display,
        clock: Callable[[], datetime],
        *,
        deliver: bool = True,
        staging: bool = False,
        charts: Charts | None = None,
        on_enqueued: Callable[[], None] | None = None,
        on_accepted: Callable[[], None] | None = None,
        admins: AdminChats | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics or Metrics()
        self.on_accepted, self.admins = on_accepted, admins  # admin events go to the admins
        self.deliver, self.staging, self.charts = deliver, staging, charts
        self.store, self.rules, self.display, self.clock = store, rules, display, clock
        self.on_enqueued = on_enqueued
        self._stale_logged: set[tuple[str, datetime]] = set()
        self._copies_logged: set[tuple[str, str]] = set()  # (source, sha256) told once
        self._parsing = asyncio.Lock()

    async def ingest(
        self,
        source_id: str,
        fmt: str,
        raw: bytes,
        origin: str,
        options: Options | None = None,
        limits: Limits = DEFAULT_LIMITS,
        index: Index | None = None,
    ) -> Outcome:
        """Process one version of a source's feed, within the source's limits, dated by the
        Ministry's `index` read with it, if any. What the feed is at fault for is an
        outcome; anything else raises, for the caller to retry."""
        sha = hashlib.sha256(raw).hexdigest()
        kept = await self.store.rejected_version(source_id, sha)
        if kept is not None:  # set aside before (a restart reads it again): not again
            return Outcome(status="rejected", origin=origin, error=kept.error)
        copy = await self._stored_copy(source_id, sha, origin)
        if copy is not None:
            return copy
        try:
            snap = await self._parse(fmt, raw, origin, options or {}, limits, index)
        except FeedError as exc:
            log.error("rejected feed version: %s", exc)
            return Outcome(status="rejected", origin=origin, error=str(exc))
        except (ValueError, ArithmeticError, RecursionError, UnicodeError) as exc:
            # A parser bug must not take the night down; the feed is still wrong.
            log.exception("rejected feed version: %s: could not be read", origin)
            return Outcome(status="rejected", origin=origin, error=f"{origin}: {exc!r}"[:500])
        latest = await self.store.latest_version(source_id)
        if latest is not None and snap.updated_at <= latest:
            self._log_stale(source_id, snap.updated_at, latest, origin)
            return Outcome(status="stale", origin=origin, snapshot=snap)
        return await self._accept(source_id, snap, raw, sha, origin)

    async def _stored_copy(self, source_id: str, sha: str, origin: str) -> Outcome | None:
        """Return the outcome of a version whose bytes equal one stored for this source:
        unchanged if it is the latest, else a stale copy (a CDN serving an older copy, a
        night replayed again), logged once. None for bytes never stored."""
        stored = await self.store.stored_version(source_id, sha)
        if stored is None:
            return None
        latest = await self.store.latest_version(source_id)
        if latest is None or stored >= latest:
            return Outcome(status="unchanged", origin=origin)
        if (source_id, sha) not in self._copies_logged:
            self._copies_logged.add((source_id, sha))
            log.info(
                "%s: the same bytes as the version of %s stored before, not the latest (%s): "
                "a stale copy, ignored", origin, stored.isoformat(), latest.isoformat(),
            )  # fmt: skip
        return Outcome(status="stale", origin=origin)

    async def _parse(
        self,
        fmt: str,
        raw: bytes,
        origin: str,
        options: Options,
        limits: Limits,
        index: Index | None,
    ) -> Snapshot:
        """Parse in a worker thread, one version at a time: commands are answered meanwhile,
        and two large versions never sit in memory half-parsed together."""
        async with self._parsing:
            started = time.perf_counter()
            try:
                # Formats without a data time of their own (a bare spreadsheet): the fetch time.
                return await off_loop(parse, fmt, raw, origin, options, self.clock(), limits, index)
            finally:
                self.metrics.parsed(fmt, time.perf_counter() - started)

    async def set_aside(
        self, source_id: str, raw: bytes, origin: str, error: str, attempts: int
    ) -> bool:
        """Keep a version that could not be processed, marked rejected with its error, and
        tell the admin chats, in one write; a version set aside already is not told again.
        Return True when it is newly set aside."""
        version = RejectedVersion(
            source=source_id, sha256=hashlib.sha256(raw).hexdigest(), origin=origin,
            error=redact_urls(error)[:MAX_ERROR], attempts=attempts, rejected_at=self.clock(),
            raw=raw,
        )  # fmt: skip
        notices = await self._set_aside_notices(version) if self.deliver else []
        new = await self.store.reject_version(version, notices)
        if new:
            log.error(
                "source %s: version %s set aside after %d failed attempts; the source reads on: %s",
                source_id, version.sha256[:12], attempts, version.error,
            )  # fmt: skip
        if new and notices and self.on_enqueued:
            self.on_enqueued()
        return new

    async def _set_aside_notices(self, version: RejectedVersion) -> list[Delivery]:
        """Return the notice of a version set aside, for each admin chat in its language."""
        key = f"set_aside:{version.source}:{version.sha256[:16]}"
        out = []
        for sub in self._audience(await self.store.subscriptions()).admin_chats():
            r = Renderer(self.display.style(sub.locale, markup_for(sub.platform)))
            text = r.notice(
                "notice.set_aside",
                source=version.source,
                attempts=version.attempts,
                error=version.error,
            )
            out.append(
                Delivery(event_key=key, platform=sub.platform, chat_id=sub.chat_id, message=text)
            )
        return out

    def _audience(self, subs: list[Subscription]) -> Audience:
        """Return who receives what: these subscriptions, and the admin chats."""
        return Audience(subs, staging=self.staging, admins=self.admins)

    def _log_stale(self, source_id: str, stamp: datetime, latest: datetime, origin: str) -> None:
        if (source_id, stamp) not in self._stale_logged:
            self._stale_logged.add((source_id, stamp))
            log.info(
                "%s: version of %s is not newer than the stored %s; ignored",
                origin,
                stamp.isoformat(),
                latest.isoformat(),
            )

    async def _accept(
        self, source_id: str, snap: Snapshot, raw: bytes, sha: str, origin: str
    ) -> Outcome:
        now = self.clock()
        baseline = await self.store.baseline(source_id)
        snap = attached(snap, self.rules)  # a previous-round feed's figures, by race id
        # One truth per race: a département's own figures over the sum of its communes.
        by_level = await self._levels(source_id, snap, baseline, origin)
        snap = by_level.kept(snap)
        # Pure and, for a large version, long (35,000 races: seconds): off the loop too.
        found, new_baseline, snap = await off_loop(_diffed, baseline, snap, self.rules, now)
        rivalry = await self._rivalry(source_id, snap, origin)
        told = by_level.keep(rivalry.keep(found))
        events = await self.store.unseen([*told, *rivalry.disagreements, *by_level.anomalies])
        for e in events:
            if isinstance(e, AnomalyDetected):
                words = anomaly_detail(Renderer(self.display.style("en", "plain")), e)
                log.warning("%s: anomaly %s in race %s: %s", origin, e.check, e.race.id, words)
        deliveries = await self._deliveries(source_id, events)
        images = {d.message.image.key: d.message.image for d in deliveries if d.message.image}
        await self.store.commit_cycle(
            Cycle(
                source=source_id,
                snapshot=snap,
                raw=raw,
                sha256=sha,
                fetched_at=now,
                baseline=new_baseline,
                events=events,
                deliveries=deliveries,
                # Figures in doubt are held back in the races themselves (Race.doubts):
                # what else the version says is served.
                flagged_races=frozenset(),
                images=tuple(images.values()),
            )
        )
        if deliveries and self.on_enqueued:
            self.on_enqueued()
        if self.on_accepted:
            self.on_accepted()
        return Outcome(status="accepted", origin=origin, events=tuple(events), snapshot=snap)

    async def _levels(
        self, source_id: str, snap: Snapshot, baseline: Snapshot | None, origin: str
    ) -> Levels:
        """Compare a version's races with their other level (bot.levels): a place's own
        figures against the sum of its parts, in this source's baseline or served."""
        # A pass over every race (35,000: some milliseconds each): in the worker.
        ids = await off_loop(levels.candidates, snap, baseline)
        served = await self.store.served_elsewhere(source_id, ids, EPOCH) if ids else []
        found = await off_loop(levels.measured, snap, baseline, [s.race for s in served])
        if found.set_aside or found.switched:
            log.info(
                "%s: %d race(s) held from their own level's figures, not their sum, and %d "
                "switched to them: nothing of these is announced from this version",
                origin, len(found.set_aside), len(found.switched),
            )  # fmt: skip
        return found

    async def _rivalry(self, source_id: str, snap: Snapshot, origin: str) -> Rivalry:
        """Compare a version's races with what other sources serve of them, as new or newer
        (the store keeps the newest figures of a race, whichever source gave them)."""
        ids = [race.id for race in snap.races]
        served = await self.store.served_elsewhere(source_id, ids, snap.updated_at)
        rivalry = compare(
            source_id, snap, [Served(race=s.race, at=s.updated_at, source=s.source) for s in served]
        )
        if rivalry.unserved:
            log.info(
                "%s: %d race(s) served as new or newer from another source: their figures "
                "stay, nothing of this version's is announced", origin, len(rivalry.unserved),
            )  # fmt: skip
        for e in rivalry.disagreements:
            log.warning(
                "%s: sources %s and %s disagree on race %s at %s; %s's figures stay",
                origin, e.source, e.other, e.race.id, e.at.isoformat(), e.other,
            )  # fmt: skip
        return rivalry

    async def _deliveries(self, source_id: str, events: list[Event]) -> list[Delivery]:
        if not events or not self.deliver:
            return []
        subs = await self.store.subscriptions()
        audience = self._audience(subs)
        label = self.display.label(source_id)
        chosen = await self.store.settings(SETTING_PREFIX) if self.charts else {}
        budget = Budget(self.charts, chosen, label)
        # Who receives what, and every message, are worked out in the worker: 12,000 races
        # to a chat that follows everything took the loop 10 s. A few messages are worked
        # out on the loop: a thread's start and wake cost more than they do, on a busy
        # machine milliseconds each (bench.latency, P1). Charts are drawn meanwhile in their
        # own thread, in the order the announcements come: the texts do not wait for them,
        # only the rows that carry them.
        inline = len(events) * (len(subs) + len(self.admins or ())) <= INLINE_PAIRS
        plan = await _computed(inline, _recipients, events, audience, budget)
        drawing = {
            (i, locale): asyncio.ensure_future(budget.image(event, locale))
            for i, (event, chats) in enumerate(zip(events, plan, strict=True))
            for locale in dict.fromkeys(sub.locale for sub, wants in chats if wants)
        }
        try:
            texts = await _computed(inline, self._texts, events, plan, label)
        except BaseException:  # cancelled, or a bug: no drawing is left unawaited
            for future in drawing.values():
                future.cancel()
            await asyncio.gather(*drawing.values(), return_exceptions=True)
            raise
        drawn = await asyncio.gather(*drawing.values(), return_exceptions=True)
        images = {
            k: d if isinstance(d, Image) else None for k, d in zip(drawing, drawn, strict=True)
        }
        return await _computed(inline, rows.assembled, events, plan, texts, images)

    def _texts(
        self, events: list[Event], plan: list[list[tuple[Subscription, bool]]], label: str | None
    ) -> dict[tuple[int, str, str], Message]:
        """Return each event's message, once per platform and language of its chats (pure:
        runs in the worker)."""
        out: dict[tuple[int, str, str], Message] = {}
        for i, (event, chats) in enumerate(zip(events, plan, strict=True)):
            for sub, __ in chats:
                if (i, sub.platform, sub.locale) not in out:
                    message = self.render(event, sub.locale, markup_for(sub.platform), label)
                    out[i, sub.platform, sub.locale] = message
        return out

    def render(self, event: Event, locale: str, markup: str, label: str | None) -> Message:
        """Render an event for one locale and markup."""
        renderer = Renderer(self.display.style(locale, markup, label))
        return renderer.event(event, self.rules.previous_round(event.race.id))


async def _computed(inline: bool, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Return `fn(*args, **kwargs)`, computed on the loop when `inline`, else off it."""
    return fn(*args, **kwargs) if inline else await off_loop(fn, *args, **kwargs)


def _recipients(
    events: list[Event], audience: Audience, budget: Budget
) -> list[list[tuple[Subscription, bool]]]:
    """Return, for each event, its chats and whether each takes a chart with it."""
    return [
        [(sub, budget.wants(event, sub.platform, sub.chat_id)) for sub in audience.of(event)]
        for event in events
    ]


def _diffed(
    baseline: Snapshot | None, snap: Snapshot, rules: Rules, now: datetime
) -> tuple[list[Event], Snapshot, Snapshot]:
    """Return what a version's diff found, the baseline it leaves, and the version as it
    is served (its figures in doubt held back)."""
    found = diff(baseline, snap, rules, now)
    new_baseline = advance(baseline, snap, found)
    return found, new_baseline, served(snap, new_baseline)
