"""The feed formats Soirée reads, by name: each a pure parser plus a check of its options."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.formats import canonical, clarity, csvfeed, ministry
from bot.models import Snapshot

Options = Mapping[str, Any]


@dataclass(frozen=True, kw_only=True, slots=True)
class Format:
    """A feed format: `parse(bytes, origin, options, fetched_at)` and `check(options) -> errors`."""

    name: str
    parse: Callable[[bytes, str, Options, datetime], Snapshot]
    check: Callable[[Options], list[str]]


def no_options(options: Options) -> list[str]:
    """Refuse any option: for formats that take none."""
    return [f"{key}: this format takes no options" for key in options]


PARSERS: dict[str, Format] = {
    canonical.FORMAT: Format(name=canonical.FORMAT, parse=canonical.parse, check=no_options),
    ministry.FORMAT: Format(
        name=ministry.FORMAT, parse=ministry.parse, check=ministry.check_options
    ),
    csvfeed.FORMAT: Format(name=csvfeed.FORMAT, parse=csvfeed.parse, check=csvfeed.check_options),
    clarity.FORMAT: Format(name=clarity.FORMAT, parse=clarity.parse, check=clarity.check_options),
}


def parse(fmt: str, data: bytes, origin: str, options: Options, fetched_at: datetime) -> Snapshot:
    """Parse bytes in the named format; `fetched_at` dates a file that carries no time."""
    return PARSERS[fmt].parse(data, origin, options, fetched_at)
