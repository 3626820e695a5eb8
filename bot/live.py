"""Live scoreboards: one message per chat, posted and pinned once, then edited in place as
the count moves, at most once per `interval` per chat, always with the latest figures."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from bot.adapters.base import (
    Adapter,
    DeliveryError,
    MessageGone,
    RateLimited,
    TargetGone,
    TargetMoved,
)
from bot.display import Display
from bot.render import markup_for
from bot.render.message import Message
from bot.render.text import Renderer
from bot.store import LiveBoard, Store, StoredRace

log = logging.getLogger(__name__)

MAX_PACING_WAIT = 2.0  # a chat busy for longer is left for a later run
CONCURRENCY = 16


class Scoreboards:
    """Keeps every chat's live scoreboard up to date; the boards live in the store."""

    def __init__(
        self,
        store: Store,
        display: Display,
        adapters: Mapping[str, Adapter],
        *,
        clock: Callable[[], datetime],
        interval: float,
    ) -> None:
        self.store, self.display, self.adapters, self.clock = store, display, adapters, clock
        self.interval = timedelta(seconds=interval)
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def _lock(self, platform: str, chat_id: str) -> asyncio.Lock:
        """Return the lock that keeps a chat's /live commands and its updates apart: an
        update under way must never write back a board that /live off just removed."""
        return self._locks.setdefault((platform, chat_id), asyncio.Lock())

    async def enable(self, platform: str, chat_id: str, race: str, locale: str) -> None:
        """Start (or switch to another race) a chat's scoreboard; the next run posts it."""
        async with self._lock(platform, chat_id):
            old = await self.store.live_board(platform, chat_id)
            board = LiveBoard(
                platform=platform, chat_id=chat_id, race=race, locale=locale,
                message_id=old.message_id if old else None, next_edit=self.clock(),
            )  # fmt: skip
            await self.store.save_live_board(board)

    async def disable(self, platform: str, chat_id: str) -> bool:
        """Stop a chat's scoreboard and unpin it; return False when there was none."""
        async with self._lock(platform, chat_id):
            board = await self.store.drop_live_board(platform, chat_id)
        if board is None:
            return False
        adapter = self.adapters.get(platform)
        if adapter is not None and board.message_id is not None:
            await adapter.unpin(chat_id, board.message_id)
        return True

    async def run_once(self) -> int:
        """Post or edit every scoreboard whose figures changed and whose turn has come;
        return how many messages were posted or edited."""
        gate = asyncio.Semaphore(CONCURRENCY)
        races: dict[str, StoredRace | None] = {}  # read once per run, however many boards

        async def one(board: LiveBoard) -> bool:
            if board.race not in races:
                races[board.race] = await self.store.latest_race(board.race)
            async with gate, self._lock(board.platform, board.chat_id):
                # Read again under the lock: /live off or a switch may have come meanwhile.
                current = await self.store.live_board(board.platform, board.chat_id)
                if current is None or current.race != board.race:
                    return False
                return await self.refresh(current, races[board.race])

        boards = [b for b in await self.store.live_boards() if b.platform in self.adapters]
        done = await asyncio.gather(*(one(b) for b in boards), return_exceptions=True)
        for result in done:
            if isinstance(result, BaseException):
                log.error("live scoreboard failed: %s", result, exc_info=result)
        return sum(1 for r in done if r is True)

    async def refresh(self, board: LiveBoard, stored: StoredRace | None) -> bool:
        """Bring one scoreboard up to date, if it is time; return True if a call was made."""
        now = self.clock()
        if now < board.next_edit:
            return False  # throttled: the latest figures go out at the next turn
        message = self.render(board, stored)
        shown = _fingerprint(message)
        if board.message_id is not None and shown == board.shown:
            return False
        adapter = self.adapters[board.platform]
        if adapter.pacer.delay(board.chat_id) > MAX_PACING_WAIT:
            return False
        await adapter.pacer.wait(board.chat_id)
        try:
            message_id = await self._show(adapter, board, message)
        except TargetGone as exc:
            log.warning("%s %s is gone (%s); its live scoreboard stops", board.platform,
                        board.chat_id, exc)  # fmt: skip
            await self.store.drop_live_board(board.platform, board.chat_id)
            return False
        except TargetMoved as exc:
            await self.store.move_chat(board.platform, board.chat_id, exc.new_id)
            return False
        except Exception as exc:
            # Rate limited, a timeout, a refusal, or a bug: wait for the next turn (or the
            # platform's retry_after) rather than hammer the chat every second.
            wait = exc.retry_after if isinstance(exc, RateLimited) else None
            later = self.clock() + timedelta(seconds=wait) if wait else now + self.interval
            log.warning("%s %s: live scoreboard not updated (%s); tried again later",
                        board.platform, board.chat_id, exc)  # fmt: skip
            await self.store.save_live_board(replace(board, next_edit=later))
            return False
        await self.store.save_live_board(
            replace(board, message_id=message_id, shown=shown, next_edit=now + self.interval)
        )
        return True

    async def _show(self, adapter: Adapter, board: LiveBoard, message: Message) -> str:
        """Edit the board's message; post (and pin) a new one if there is none any more."""
        if board.message_id is not None:
            try:
                await adapter.edit(board.chat_id, board.message_id, message)
                return board.message_id
            except MessageGone:
                log.info("%s %s: live scoreboard was deleted; posting it again",
                         board.platform, board.chat_id)  # fmt: skip
        message_id = await adapter.post(board.chat_id, message)
        # Recorded before pinning: a pin that fails must not lead to a second post.
        await self.store.save_live_board(replace(board, message_id=message_id))
        try:
            await adapter.pacer.wait(board.chat_id)
            await adapter.pin(board.chat_id, message_id)
        except DeliveryError as exc:  # pinning is a courtesy; the board lives unpinned
            log.info("%s %s: live scoreboard not pinned (%s)", board.platform, board.chat_id,
                     exc)  # fmt: skip
        return message_id

    def render(self, board: LiveBoard, stored: StoredRace | None) -> Message:
        """Render a board from the latest stored figures of its race."""
        label = self.display.label(stored.source) if stored else None
        r = Renderer(self.display.style(board.locale, markup_for(board.platform), label))
        seconds = r.num(round(self.interval.total_seconds(), 1))
        if stored is None:
            return Message(text=r.t("reply.no_data", race=board.race))
        return r.live(stored.race, stored.updated_at, seconds, stored.flagged)


def _fingerprint(message: Message) -> str:
    body = message.text + repr(message.blocks)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
