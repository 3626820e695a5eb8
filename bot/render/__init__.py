"""Rendering: events and races to messages, per platform markup and locale."""

from bot.platforms import platform_named


def markup_for(platform: str) -> str:
    """Return the markup a platform's messages are rendered in (bot.platforms says which)."""
    return platform_named(platform).markup
