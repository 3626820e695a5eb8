"""What a platform hands the commands: the text a chat typed, and who typed it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.render.message import Message


@dataclass(frozen=True, kw_only=True, slots=True)
class Request:
    """A command typed in a chat. `can_manage` says whether the sender may change subscriptions."""

    platform: str
    chat_id: str
    text: str
    can_manage: bool = True
    locale_hint: str | None = None
    message_id: str | None = None  # the platform's id of the command's message, if it has one

    @property
    def command_key(self) -> str | None:
        """Return what names the command's message on its platform, or None without an id."""
        return f"{self.platform}:{self.chat_id}:{self.message_id}" if self.message_id else None


Handler = Callable[[Request], Awaitable[Message | None]]
