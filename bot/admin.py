"""Admin controls, from an admin chat only: /pause, /resume, /status, /announce."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from bot.render import markup_for
from bot.render.message import Message
from bot.render.text import Renderer, Style
from bot.store import Delivery, Store

MAX_ANNOUNCEMENT = 3000


@dataclass(frozen=True, kw_only=True, slots=True)
class SourceView:
    """What /status shows of a source."""

    id: str
    last_fetch: datetime | None
    last_change: datetime | None
    failures: int
    last_error: str | None


class Controls(Protocol):
    """What the running app lets an admin see and change."""

    @property
    def paused(self) -> bool:
        """Return True while announcements are suspended."""
        ...

    async def set_paused(self, paused: bool) -> None:
        """Suspend or resume announcements (kept across restarts)."""
        ...

    def sources(self) -> list[SourceView]:
        """Return the state of every source."""
        ...

    def platforms(self) -> list[str]:
        """Return the adapters running."""
        ...

    def now(self) -> datetime:
        """Return the current time."""
        ...


class Admin:
    """Runs the admin commands (admin_only in bot.commands.table); the caller has checked
    that the chat is an admin chat."""

    def __init__(self, store: Store, controls: Controls) -> None:
        self.store, self.controls = store, controls

    async def handle(self, name: str, args: list[str], raw: str, r: Renderer) -> Message:
        """Run one admin command and return the reply."""
        if name == "pause":
            await self.controls.set_paused(True)
            return Message(text=r.t("reply.paused"))
        if name == "resume":
            await self.controls.set_paused(False)
            pending = (await self.store.outbox_counts()).get("pending", 0)
            return Message(text=r.t("reply.resumed", pending=r.num(pending)))
        if name == "status":
            return Message(text=await self._status(r))
        return await self._announce(raw, r)

    async def _status(self, r: Renderer) -> str:
        counts = await self.store.outbox_counts()
        state = r.t("reply.state_paused" if self.controls.paused else "reply.state_running")
        lines = [
            r.t(
                "reply.status_head",
                state=state,
                pending=r.num(counts.get("pending", 0)),
                sent=r.num(counts.get("sent", 0)),
                platforms=", ".join(self.controls.platforms()),
            )
        ]
        never = r.t("reply.never")
        for s in self.controls.sources():
            lines.append(
                r.t(
                    "reply.status_source",
                    id=s.id,
                    fetch=r.time(s.last_fetch) if s.last_fetch else never,
                    change=r.time(s.last_change) if s.last_change else never,
                    failures=r.num(s.failures),
                )
            )
        return "\n".join(lines)

    async def _announce(self, raw: str, r: Renderer) -> Message:
        text = raw.strip().split(maxsplit=1)[1].strip() if len(raw.split()) > 1 else ""
        if not text:
            return Message(text=r.t("reply.announce_usage"))
        text = text[:MAX_ANNOUNCEMENT]
        now = self.controls.now()
        chats = {(s.platform, s.chat_id) for s in await self.store.subscriptions()}
        key = f"announce:{now.isoformat()}"
        deliveries = [
            Delivery(event_key=key, platform=p, chat_id=c, message=announcement(text, p))
            for p, c in sorted(chats)
        ]
        await self.store.enqueue(deliveries, now)
        return Message(text=r.t("reply.announce_queued", count=r.num(len(deliveries))))


def announcement(text: str, platform: str) -> Message:
    """Render an admin's free text for a platform, escaped like anything from outside."""
    style = Style(tz=UTC, markup=markup_for(platform))
    return Renderer(style).notice("notice.announcement", text=text)
