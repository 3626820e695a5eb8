"""The pipeline: bytes of one feed version in; snapshot, events and deliveries stored out."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.audience import AdminChats, Audience
from bot.charts import SETTING_PREFIX, Budget, Charts
from bot.diff import advance, diff
from bot.display import Display
from bot.events import AnomalyDetected, Event
from bot.formats.errors import FeedError
from bot.formats.registry import Options, parse
from bot.models import Snapshot
from bot.platforms import platform_named
from bot.render import markup_for
from bot.render.message import Message, split_text
from bot.render.text import Renderer
from bot.rules import Rules
from bot.store import Cycle, Delivery, Store, Subscription

log = logging.getLogger(__name__)


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
    ) -> None:
        self.on_accepted, self.admins = on_accepted, admins  # admin events go to the admins
        self.deliver, self.staging, self.charts = deliver, staging, charts
        self.store, self.rules, self.display, self.clock = store, rules, display, clock
        self.on_enqueued = on_enqueued
        self._stale_logged: set[tuple[str, datetime]] = set()

    async def ingest(
        self, source_id: str, fmt: str, raw: bytes, origin: str, options: Options | None = None
    ) -> Outcome:
        """Process one version of a source's feed."""
        try:
            # Formats without a data time of their own (a bare spreadsheet) use the fetch time.
            snap = parse(fmt, raw, origin, options or {}, self.clock())
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
        return await self._accept(source_id, snap, raw, origin)

    def _log_stale(self, source_id: str, stamp: datetime, latest: datetime, origin: str) -> None:
        if (source_id, stamp) not in self._stale_logged:
            self._stale_logged.add((source_id, stamp))
            log.info(
                "%s: version of %s is not newer than the stored %s; ignored",
                origin,
                stamp.isoformat(),
                latest.isoformat(),
            )

    async def _accept(self, source_id: str, snap: Snapshot, raw: bytes, origin: str) -> Outcome:
        now = self.clock()
        baseline = await self.store.baseline(source_id)
        found = diff(baseline, snap, self.rules, now)
        events = await self.store.unseen(found)
        flagged = frozenset(e.race.id for e in found if isinstance(e, AnomalyDetected))
        for e in events:
            if isinstance(e, AnomalyDetected):
                log.warning("%s: anomaly %s in race %s: %s", origin, e.check, e.race.id, e.detail)
        deliveries = await self._deliveries(source_id, events)
        images = {d.message.image.key: d.message.image for d in deliveries if d.message.image}
        await self.store.commit_cycle(
            Cycle(
                source=source_id,
                snapshot=snap,
                raw=raw,
                sha256=hashlib.sha256(raw).hexdigest(),
                fetched_at=now,
                baseline=advance(baseline, snap, found),
                events=events,
                deliveries=deliveries,
                flagged_races=flagged,
                images=tuple(images.values()),
            )
        )
        if deliveries and self.on_enqueued:
            self.on_enqueued()
        if self.on_accepted:
            self.on_accepted()
        return Outcome(status="accepted", origin=origin, events=tuple(events), snapshot=snap)

    async def _deliveries(self, source_id: str, events: list[Event]) -> list[Delivery]:
        if not events or not self.deliver:
            return []
        subs = await self.store.subscriptions()
        audience = Audience(subs, staging=self.staging, admins=self.admins)
        label = self.display.label(source_id)
        chosen = await self.store.settings(SETTING_PREFIX) if self.charts else {}
        budget = Budget(self.charts, chosen, label)
        out: list[Delivery] = []
        for event in events:
            # One rendering per platform, language and chart choice, shared by the chats.
            rendered: dict[tuple[str, str, bool], list[Message]] = {}
            for sub in audience.of(event):
                wants = budget.wants(event, sub.platform, sub.chat_id)
                style = (sub.platform, sub.locale, wants)
                if style not in rendered:
                    message = self.render(event, sub.locale, markup_for(sub.platform), label)
                    if wants:
                        message = message.with_image(await budget.image(event, sub.locale))
                    rendered[style] = _parts(message, sub.platform)
                out.extend(_rows(event, sub, rendered[style]))
        return out

    def render(self, event: Event, locale: str, markup: str, label: str | None) -> Message:
        """Render an event for one locale and markup."""
        renderer = Renderer(self.display.style(locale, markup, label))
        return renderer.event(event, self.rules.previous_round(event.race.id))


def _parts(message: Message, platform: str) -> list[Message]:
    """Split a message into parts the platform accepts, each its own outbox row, so that a
    retry never sends a part twice: a picture with the caption that fits it, then text."""
    spec = platform_named(platform)
    limit, caption = spec.text_limit, spec.caption_limit
    text, first = message.text, []
    if message.image is not None and caption is not None and len(text) > caption:
        head, *rest = split_text(text, caption)
        first, text = [Message(text=head, image=message.image)], "\n".join(rest)
    elif limit is None or len(text) <= limit:
        return [message]
    chunks = [chunk for chunk in split_text(text, limit or len(text)) if chunk.strip()]
    if first:
        return first + [Message(text=c) for c in chunks]
    return [Message(text=c, image=message.image if i == 0 else None) for i, c in enumerate(chunks)]


def _rows(event: Event, sub: Subscription, parts: list[Message]) -> list[Delivery]:
    """Return the outbox rows of one event's parts for one chat."""
    return [
        Delivery(
            event_key=event.key if i == 0 else f"{event.key}#{i + 1}",
            platform=sub.platform,
            chat_id=sub.chat_id,
            message=part,
        )
        for i, part in enumerate(parts)
    ]
