"""What a source allows a version to be, given to the parse: its size once unpacked, and how
far ahead of the fetch its data time may be. A version past either is a FeedError."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.formats.errors import FeedError

DEFAULT_MAX_BYTES = 20_000_000
DEFAULT_MAX_FUTURE = 86_400.0  # seconds: a clock a day wrong is a feed's fault, not news


@dataclass(frozen=True, kw_only=True, slots=True)
class Limits:
    """A source's limits: `max_bytes` bounds what a parser unpacks (a zip's member), as
    the transport bounds what it reads; `max_future` (seconds) how far past the fetch
    time a version's data time may be."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_future: float = DEFAULT_MAX_FUTURE


DEFAULT_LIMITS = Limits()


def checked_time(
    stamp: datetime, fetched_at: datetime, limits: Limits, origin: str, field: str
) -> datetime:
    """Return a version's data time, or raise FeedError naming `field` when it has no UTC
    equivalent (year 9999 less an offset) or lies more than `max_future` past the fetch:
    such a version would be stored as the newest, and every real one after it dropped."""
    try:
        utc = stamp.astimezone(UTC)
    except (OverflowError, ValueError):
        raise FeedError(origin, field, stamp.isoformat(), "out of range once in UTC") from None
    ahead = utc - fetched_at.astimezone(UTC)
    if ahead > timedelta(seconds=limits.max_future):
        reason = (
            f"more than {limits.max_future:g} s ahead of the fetch time "
            f"({fetched_at.astimezone(UTC).isoformat(timespec='seconds')}; max_future)"
        )
        raise FeedError(origin, field, stamp.isoformat(), reason)
    return stamp
