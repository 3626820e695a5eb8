"""Feed staleness: a source silent (failing or unchanged) too long in the results window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(kw_only=True, slots=True)
class StaleWatch:
    """Tracks one source; `update` says when it turns stale and when it recovers. Pure."""

    stale_after: timedelta
    since: datetime  # the last sign of life: start-up, then each new version
    window_start: datetime | None = None
    window_end: datetime | None = None
    stale: bool = False

    def in_window(self, now: datetime) -> bool:
        """Return True when results are expected now."""
        return (self.window_start is None or now >= self.window_start) and (
            self.window_end is None or now <= self.window_end
        )

    def update(self, now: datetime, last_change: datetime | None) -> bool | None:
        """Return True when the source has just gone stale, False when it has just
        recovered, None when nothing changed."""
        if last_change is not None and last_change > self.since:
            self.since = last_change
        silent = now - self.since > self.stale_after and self.in_window(now)
        if silent == self.stale:
            return None
        self.stale = silent
        return silent
