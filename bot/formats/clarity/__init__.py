"""Clarity ENR (Scytl) results (`clarity-xml`): see `parser` for the format."""

from bot.formats.clarity.parser import FORMAT, check_options, parse

__all__ = ["FORMAT", "check_options", "parse"]
