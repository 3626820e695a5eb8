"""The order in which Telegram updates are handled: those of different chats at once (a reply
waiting for its chat's pace holds no one else up), those of one chat one after the other, as
they came, so that `/charts results` then `/results` answers with the choice just made."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

AT_ONCE = 256  # updates handled at once, all chats together (PTB's concurrent_updates(True))


class InChatOrder(BaseUpdateProcessor):
    """PTB's update processor, concurrent across chats, in order within a chat; an update
    without a chat (an inline query) waits for none."""

    def __init__(self, max_concurrent_updates: int = AT_ONCE) -> None:
        super().__init__(max_concurrent_updates)
        self._queues: dict[int, tuple[asyncio.Lock, list[None]]] = {}  # lock, who holds or waits

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock, waiting = self._queues.setdefault(chat.id, (asyncio.Lock(), []))
        waiting.append(None)
        try:
            async with lock:  # asyncio.Lock is fair: first come, first served
                await coroutine
        finally:
            waiting.pop()
            if not waiting:
                del self._queues[chat.id]

    def chats_in_hand(self) -> int:
        """Say how many chats have an update being handled or waiting."""
        return len(self._queues)

    def waiting(self, chat_id: int) -> int:
        """Say how many of a chat's updates are being handled or waiting (0 or 1 handled)."""
        queue = self._queues.get(chat_id)
        return 0 if queue is None else len(queue[1])

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""
