"""The source interface: one method that fetches a feed's bytes."""

from __future__ import annotations

from typing import Protocol


class Source(Protocol):
    """Fetches the current version of a feed."""

    @property
    def origin(self) -> str:
        """Return a name for logs and errors (URL or path, never a secret)."""
        ...

    async def fetch(self) -> bytes | None:
        """Return the feed's bytes, or None when it has not changed since the last fetch."""
        ...
