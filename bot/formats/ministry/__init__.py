"""The French Interior Ministry's results XML (`fr-interior-xml`): see `parser` for the format."""

from bot.formats.ministry.parser import FORMAT, check_options, parse

__all__ = ["FORMAT", "check_options", "parse"]
