"""The store's outages told to the admin chats, straight through the adapters (the outbox
may not be writable meanwhile). With one instance (SQLite) the dispatcher tells them: once
when the store stops taking writes, once when it takes them again (`OutageNotices.tell`).
With instances sharing PostgreSQL, the one that leads once the store answers again tells,
once, an outage longer than a lease (`OutageNotices.unreachable`, from bot.app.leadership)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import tzinfo
from typing import TYPE_CHECKING

from bot.adapters.base import Adapter
from bot.audience import AdminChats
from bot.render import markup_for
from bot.render.message import Message
from bot.render.text import Renderer, Style

if TYPE_CHECKING:
    from bot.app.leadership import Unreachable

log = logging.getLogger(__name__)

Render = Callable[[Renderer], Message]  # a notice, in one chat's language and markup


class OutageNotices:
    """Sends the store's outage notices straight to each admin chat whose platform runs."""

    def __init__(self, adapters: Mapping[str, Adapter], admins: AdminChats, tz: tzinfo) -> None:
        self.adapters, self.admins, self.tz = adapters, admins, tz

    async def tell(self, error: str | None) -> None:
        """Tell every admin chat that the store cannot write (`error`), or writes again (None);
        a chat that cannot be reached is logged and skipped (it is not tried again)."""
        await self._send(lambda r: store_notice(r, error))

    async def unreachable(self, outage: Unreachable) -> None:
        """Tell every admin chat when the store was out of reach, and for how long."""
        await self._send(lambda r: self.unreachable_notice(r, outage))

    def unreachable_notice(self, r: Renderer, outage: Unreachable) -> Message:
        """Render the notice of an outage over, with its times to the second."""
        return r.notice(
            "notice.store_unreachable", began=r.time(outage.began, "HH:mm:ss"),
            ended=r.time(outage.ended, "HH:mm:ss"), lasted=lasted(outage.seconds),
        )  # fmt: skip

    async def _send(self, render: Render) -> None:
        for (platform, chat_id), locale in sorted(self.admins.locales.items()):
            adapter = self.adapters.get(platform)
            if adapter is None:
                continue  # a platform not running: its admins read the log
            try:
                await adapter.pacer.wait(chat_id)
                await adapter.send(chat_id, render(self.renderer(locale, platform)))
            except Exception as exc:
                log.warning("%s %s not told about the store: %s", platform, chat_id, exc)

    def renderer(self, locale: str, platform: str) -> Renderer:
        """Return the renderer of one admin chat's language and platform."""
        return Renderer(Style(locale=locale, tz=self.tz, markup=markup_for(platform)))

    def notice(self, error: str | None, locale: str, platform: str) -> Message:
        """Render the notice for one admin chat's language and platform."""
        return store_notice(self.renderer(locale, platform), error)


def store_notice(r: Renderer, error: str | None) -> Message:
    """Render that the store cannot write (`error`), or writes again (None)."""
    if error is None:
        return r.notice("notice.store_back")
    return r.notice("notice.store_down", error=error)


def lasted(seconds: float) -> str:
    """Say how long an outage lasted: '48 s', '3 min 05 s', '1 h 02 min'."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole // 60 % 60:02d} min"
