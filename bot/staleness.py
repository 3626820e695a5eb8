"""Feed staleness: a source silent (failing or unchanged) too long in the results window,
and the notices that tell the admin chats."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from bot.audience import AdminChats
from bot.logs import redact_urls
from bot.poller import Poller
from bot.render import markup_for
from bot.render.message import Message
from bot.render.text import Renderer, Style
from bot.store import Delivery, Store

log = logging.getLogger("bot.app")  # the name its log lines have always had


@dataclass(kw_only=True, slots=True)
class StaleWatch:
    """Tracks one source; `update` says when it turns stale and when it recovers. Pure."""

    stale_after: timedelta
    since: datetime  # the last sign of life: start-up, then each new version
    window_start: datetime | None = None
    window_end: datetime | None = None
    stale: bool = False

    def in_window(self, now: datetime) -> bool:
        """Return True when results are expected now."""
        return (self.window_start is None or now >= self.window_start) and (
            self.window_end is None or now <= self.window_end
        )

    def update(self, now: datetime, last_change: datetime | None) -> bool | None:
        """Return True when the source has just gone stale, False when it has just
        recovered, None when nothing changed."""
        if last_change is not None and last_change > self.since:
            self.since = last_change
        silent = now - self.since > self.stale_after and self.in_window(now)
        if silent == self.stale:
            return None
        self.stale = silent
        return silent


class StaleNotices:
    """Watches every source but replays; tells the admin chats once when one goes stale and
    once when it recovers. The app runs `check` every `every` seconds."""

    def __init__(
        self,
        store: Store,
        pollers: Sequence[Poller],
        watches: Mapping[str, StaleWatch],
        *,
        every: float,
        tz: tzinfo,
        clock: Callable[[], datetime],
        wake: Callable[[], None],
        admins: AdminChats | None = None,
    ) -> None:
        self.store, self.pollers, self.watches, self.every = store, pollers, watches, every
        self.tz, self.clock, self.wake = tz, clock, wake
        self.admins = admins or AdminChats()  # from the config: no subscription changes them

    async def check(self) -> None:
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
        # An admin chat's subscription sets its language; the config's, when it has none.
        chats = {(s.platform, s.chat_id): s for s in self.admins.fallbacks()}
        for sub in await self.store.subscriptions():
            if (sub.platform, sub.chat_id) in self.admins:
                chats[sub.platform, sub.chat_id] = sub
        key = f"{'stale' if stale else 'recovered'}:{poller.source_id}:{now.isoformat()}"
        deliveries = [
            Delivery(
                event_key=key, platform=platform, chat_id=chat_id,
                message=self.notice(poller, stale, since, now, sub.locale, platform),
            )
            for (platform, chat_id), sub in sorted(chats.items())
        ]  # fmt: skip
        await self.store.enqueue(deliveries, now)
        self.wake()

    def notice(
        self, poller: Poller, stale: bool, since: datetime, now: datetime, locale: str,
        platform: str,
    ) -> Message:  # fmt: skip
        """Render the notice that a source went stale at `now` (silent since `since`), or
        that it is back, for one chat's locale and platform."""
        r = Renderer(Style(locale=locale, tz=self.tz, markup=markup_for(platform)))
        if not stale:
            return r.notice("notice.recovered", source=poller.source_id, time=r.time(now))
        return r.notice(
            "notice.stale", source=poller.source_id, since=r.time(since),
            minutes=int((now - since).total_seconds() // 60),
            reason=redact_urls(poller.status.last_error or r.t("notice.unchanged")),
        )  # fmt: skip
