"""Admin controls, from an admin chat only: /pause, /resume, /status, /announce."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from bot.poller import Poller
from bot.render import markup_for
from bot.render.message import Message
from bot.render.text import Renderer, Style
from bot.store import Delivery, SettingStore, Store, StoreUnavailable

log = logging.getLogger("bot.app")  # the name its log lines have always had

MAX_ANNOUNCEMENT = 3000
PAUSED = "paused"  # the settings key that keeps a pause across restarts


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
        """Suspend or resume announcements (kept across restarts); raise StoreUnavailable,
        changing nothing, when the choice cannot be kept."""
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


class Lead(Protocol):
    """Who leads the instances sharing a store (bot.app.leadership.Leadership)."""

    epoch: int | None  # of our lease, while we lead
    holder: str | None  # who leads, when not us

    @property
    def shared(self) -> bool:
        """Say whether there is a lease: several instances may run (PostgreSQL)."""
        ...

    def leading(self) -> bool:
        """Say whether this instance leads now."""
        ...


class PauseSwitch(Protocol):
    """What holds the announcements back while paused (bot.outbox.Dispatcher)."""

    paused: bool


class AdminControls:
    """The running bot's side of the admin commands, from the parts it is made of: the
    dispatcher's pause switch, the pollers, the platforms running, the clock, the wake-up."""

    def __init__(
        self,
        settings: SettingStore,
        switch: PauseSwitch,
        pollers: Sequence[Poller],
        running: Collection[str],  # the app's adapters by platform: those started join it
        *,
        clock: Callable[[], datetime],
        wake: Callable[[], None],
    ) -> None:
        self.settings, self.switch, self.pollers, self.running = settings, switch, pollers, running
        self.clock, self.wake = clock, wake

    async def restore(self, paused: bool = False) -> bool:
        """Pause if asked to, or if an admin's pause was kept; return True when paused."""
        stored = await self.settings.setting(PAUSED) == "1"
        self.switch.paused = paused or stored
        return self.switch.paused

    @property
    def paused(self) -> bool:
        """Return True while announcements are suspended."""
        return self.switch.paused

    async def set_paused(self, paused: bool) -> None:
        """Suspend or resume announcements; the choice survives a restart. It is made once
        stored: when the store cannot keep it, StoreUnavailable and nothing changed."""
        await self.settings.set_setting(PAUSED, "1" if paused else "0")
        self.switch.paused = paused
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
        return sorted(self.running)

    def now(self) -> datetime:
        """Return the current time from the bot's clock."""
        return self.clock()


class Admin:
    """Runs the admin commands (admin_only in bot.commands.table); the caller has checked
    that the chat is an admin chat."""

    def __init__(self, store: Store, controls: Controls, lead: Lead | None = None) -> None:
        self.store, self.controls, self.lead = store, controls, lead

    async def handle(
        self, name: str, args: list[str], raw: str, r: Renderer, *, command: str | None = None
    ) -> Message:
        """Run one admin command and return the reply; `command` names the message that
        typed it (platform, chat, message id), so that an announcement is queued once."""
        if name in ("pause", "resume"):
            try:
                await self.controls.set_paused(name == "pause")
            except StoreUnavailable:  # nothing changed, and the reply says so
                state = r.t("reply.state_paused" if self.controls.paused else "reply.state_running")
                key = "reply.pause_not_stored" if name == "pause" else "reply.resume_not_stored"
                return Message(text=r.t(key, state=state))
        if name == "pause":
            return Message(text=r.t("reply.paused"))
        if name == "resume":
            pending = (await self.store.outbox_counts()).get("pending", 0)
            return Message(text=r.t("reply.resumed", pending=r.num(pending)))
        if name == "status":
            return Message(text=await self._status(r))
        return await self._announce(raw, r, command)

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
        if self.lead is not None and self.lead.shared:  # several instances: say who leads
            if self.lead.leading():
                lines.append(r.t("reply.status_leads", epoch=r.num(self.lead.epoch or 0)))
            else:
                lines.append(r.t("reply.status_standby", owner=self.lead.holder or "—"))
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

    async def _announce(self, raw: str, r: Renderer, command: str | None) -> Message:
        text = raw.strip().split(maxsplit=1)[1].strip() if len(raw.split()) > 1 else ""
        if not text:
            return Message(text=r.t("reply.announce_usage"))
        text = text[:MAX_ANNOUNCEMENT]
        now = self.controls.now()
        chats = {(s.platform, s.chat_id) for s in await self.store.subscriptions()}
        # Keyed by its command message: the same message seen again (an edit, an update
        # delivered twice) queues nothing more. The console's commands have no id: the time.
        key = f"announce:{command or now.isoformat()}"
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
