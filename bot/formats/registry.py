"""The feed formats Soirée reads, by name: each a pure parser plus a check of its options;
`parse` is the boundary every version crosses, with its source's limits."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.formats import canonical, clarity, csvfeed, ministry
from bot.formats.errors import FeedError
from bot.formats.limits import DEFAULT_LIMITS, Limits, checked_time
from bot.formats.ministry.index import Index
from bot.models import Snapshot

Options = Mapping[str, Any]


@dataclass(frozen=True, kw_only=True, slots=True)
class Format:
    """A feed format: `parse(bytes, origin, options, fetched_at, limits)`, `check(options) ->
    errors`, and the name of the field its data time comes from (for the errors)."""

    name: str
    parse: Callable[[bytes, str, Options, datetime, Limits], Snapshot]
    check: Callable[[Options], list[str]]
    time_field: str = "updated_at"


def no_options(options: Options) -> list[str]:
    """Refuse any option: for formats that take none."""
    return [f"{key}: this format takes no options" for key in options]


PARSERS: dict[str, Format] = {
    canonical.FORMAT: Format(name=canonical.FORMAT, parse=canonical.parse, check=no_options),
    ministry.FORMAT: Format(
        name=ministry.FORMAT,
        parse=ministry.parse,
        check=ministry.check_options,
        time_field="DateDerMaj/HeureDerMaj",
    ),
    csvfeed.FORMAT: Format(name=csvfeed.FORMAT, parse=csvfeed.parse, check=csvfeed.check_options),
    clarity.FORMAT: Format(
        name=clarity.FORMAT,
        parse=clarity.parse,
        check=clarity.check_options,
        time_field="ElectionResult/Timestamp",
    ),
}


def parse(
    fmt: str,
    data: bytes,
    origin: str,
    options: Options,
    fetched_at: datetime,
    limits: Limits = DEFAULT_LIMITS,
    index: Index | None = None,
) -> Snapshot:
    """Parse bytes in the named format within a source's limits, or raise FeedError;
    `fetched_at` dates a file that carries no time (unless the Ministry's `index` read with
    it does), and bounds how far ahead one may be."""
    if len(data) > limits.max_bytes:  # a transport caps what it reads; a replayed file not
        raise FeedError(origin, "(document)", f"{len(data)} bytes", f"more than {limits.max_bytes}")
    feed = PARSERS[fmt]
    snap = feed.parse(data, origin, options, fetched_at, limits)
    if index is not None:
        snap = index.stamped(snap)
    checked_time(snap.updated_at, fetched_at, limits, origin, feed.time_field)
    return snap
