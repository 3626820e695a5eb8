"""Rendering: events and races to messages, per platform markup and locale."""

PLATFORM_MARKUP: dict[str, str] = {"console": "plain", "telegram": "html", "slack": "slack"}
# Longest text one message may carry (Telegram's MessageLimit.MAX_TEXT_LENGTH).
PLATFORM_TEXT_LIMIT: dict[str, int] = {"telegram": 4096}
# Longest caption a picture may carry (Telegram's MessageLimit.CAPTION_LENGTH).
PLATFORM_CAPTION_LIMIT: dict[str, int] = {"telegram": 1024}


def markup_for(platform: str) -> str:
    """Return the markup a platform's messages are rendered in."""
    return PLATFORM_MARKUP.get(platform, "plain")
