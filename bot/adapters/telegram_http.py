"""How the Telegram adapter reaches the Bot API: its settings from the environment, and the
HTTP request that lets a send leave only while this instance may send (it leads)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from telegram.error import NetworkError
from telegram.request import HTTPXRequest

DEFAULT_BASE_URL = "https://api.telegram.org/bot"


@dataclass(frozen=True, kw_only=True, slots=True)
class TelegramSettings:
    """How to reach the Bot API; `rate_scale` speeds the limits up in tests only."""

    token: str
    base_url: str = DEFAULT_BASE_URL
    poll_timeout: float = 10.0
    timeout: float = 10.0  # seconds to wait for an answer to a send
    rate_scale: float = 1.0
    trust_env: bool = True


# What a standby, or a leader whose lease is ending, must not do: send, edit, pin, answer.
GATED = ("/sendMessage", "/sendPhoto", "/editMessageText", "/editMessageCaption",
         "/pinChatMessage", "/unpinChatMessage", "/answerInlineQuery")  # fmt: skip


class GatedRequest(HTTPXRequest):
    """PTB's HTTPX request, refusing to send (a NetworkError, tried again later by the
    outbox) unless `gate()` says this instance may."""

    def __init__(self, gate: Callable[[], bool], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gate = gate

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        if url.endswith(GATED) and not self.gate():
            raise NetworkError("this instance does not lead: not sent")
        return await super().do_request(url, method, *args, **kwargs)


def settings_from_env(env: Mapping[str, str], rate_scale: float = 1.0) -> TelegramSettings:
    """Read TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL and TELEGRAM_POLL_TIMEOUT."""
    return TelegramSettings(
        token=env["TELEGRAM_BOT_TOKEN"],
        base_url=env.get("TELEGRAM_API_BASE_URL") or DEFAULT_BASE_URL,
        poll_timeout=float(env.get("TELEGRAM_POLL_TIMEOUT") or 10),
        timeout=float(env.get("TELEGRAM_TIMEOUT") or 10),
        rate_scale=rate_scale,
    )
