"""The platform table: each chat platform's markup, message limits and pace, once.

Render, the pipeline, the outbox, the adapters and the config read them here. Telegram's
figures are python-telegram-bot's MessageLimit and FloodLimit (a test keeps them equal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol


class Platform(Protocol):
    """What every platform declares, and all that render, the pipeline and the outbox read."""

    @property
    def name(self) -> str:
        """Return the platform's name, as in a subscription."""
        ...

    @property
    def markup(self) -> str:
        """Return the markup its messages are rendered in: plain, html or slack."""
        ...

    @property
    def text_limit(self) -> int | None:
        """Return the longest text one message may carry; None when there is no limit."""
        ...

    @property
    def caption_limit(self) -> int | None:
        """Return the longest caption a picture may carry; None when there is no limit."""
        ...


@dataclass(frozen=True, kw_only=True, slots=True)
class Console:
    """A terminal: plain text, no limits."""

    name: str = "console"
    markup: str = "plain"
    text_limit: None = None
    caption_limit: None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Telegram:
    """The Bot API: HTML, its message and caption lengths, and its flood limits."""

    name: str = "telegram"
    markup: str = "html"
    text_limit: int = 4096  # MessageLimit.MAX_TEXT_LENGTH
    caption_limit: int = 1024  # MessageLimit.CAPTION_LENGTH
    per_chat_interval: float = 1.0  # seconds between two messages to a chat
    group_burst: int = 20  # messages to one group in any `group_window` seconds
    group_window: float = 60.0
    # A channel's posts: the Bot API names no figure of its own; PTB's AIORateLimiter (and
    # so Soirée) holds every channel to the group limit. One post reaches every subscriber.
    channel_burst: int = 20
    channel_window: float = 60.0
    overall_burst: int = 30  # messages in all in any `overall_window` seconds (broadcasts)
    overall_window: float = 1.0


@dataclass(frozen=True, kw_only=True, slots=True)
class Slack:
    """The Web API: mrkdwn in Block Kit, its block limits, and chat.postMessage's pace."""

    name: str = "slack"
    markup: str = "slack"
    text_limit: None = None
    caption_limit: None = None
    max_blocks: int = 50  # Slack refuses more in one message
    max_section: int = 3000  # characters of text in one section block
    max_fallback: int = 3000  # the plain `text` fallback kept short: notifications show it
    max_alt_text: int = 2000  # an image block's alt_text
    per_chat_interval: float = 1.0  # seconds between two messages to a channel


CONSOLE: Final = Console()
TELEGRAM: Final = Telegram()
SLACK: Final = Slack()
PLATFORMS: Final[dict[str, Platform]] = {p.name: p for p in (CONSOLE, TELEGRAM, SLACK)}
NAMES: Final = tuple(PLATFORMS)


def platform_named(name: str) -> Platform:
    """Return a platform's entry; a name not in the table reads as the console's (plain
    text, no limits)."""
    return PLATFORMS.get(name, CONSOLE)
