"""The store's outages told to the admin chats: once when it stops taking writes, once when
it takes them again. The outbox cannot be written meanwhile, so the notices go through the
adapters themselves (the dispatcher calls `OutageNotices.tell`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import tzinfo

from bot.adapters.base import Adapter
from bot.audience import AdminChats
from bot.render import markup_for
from bot.render.message import Message
from bot.render.text import Renderer, Style

log = logging.getLogger(__name__)


class OutageNotices:
    """Sends the store's outage notices straight to each admin chat whose platform runs."""

    def __init__(self, adapters: Mapping[str, Adapter], admins: AdminChats, tz: tzinfo) -> None:
        self.adapters, self.admins, self.tz = adapters, admins, tz

    async def tell(self, error: str | None) -> None:
        """Tell every admin chat that the store cannot write (`error`), or writes again (None);
        a chat that cannot be reached is logged and skipped (it is not tried again)."""
        for (platform, chat_id), locale in sorted(self.admins.locales.items()):
            adapter = self.adapters.get(platform)
            if adapter is None:
                continue  # a platform not running: its admins read the log
            try:
                await adapter.pacer.wait(chat_id)
                await adapter.send(chat_id, self.notice(error, locale, platform))
            except Exception as exc:
                log.warning("%s %s not told about the store: %s", platform, chat_id, exc)

    def notice(self, error: str | None, locale: str, platform: str) -> Message:
        """Render the notice for one admin chat's language and platform."""
        r = Renderer(Style(locale=locale, tz=self.tz, markup=markup_for(platform)))
        if error is None:
            return r.notice("notice.store_back")
        return r.notice("notice.store_down", error=error)
