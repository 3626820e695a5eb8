"""CSV results feeds (`csv`): see `parser` for the layouts and options."""

from bot.formats.csvfeed.parser import FORMAT, check_options, parse

__all__ = ["FORMAT", "check_options", "parse"]
