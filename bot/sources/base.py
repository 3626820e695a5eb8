"""The source interface: what the poller calls on a feed's transport, and nothing else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

BeforeBody = Callable[[], Awaitable[None]]
"""Awaited by a source once a new body is announced, before it is read (the poller's turn)."""


class Source(Protocol):
    """Fetches the current version of a feed."""

    # Set by the poller when its app limits how many new bodies are held at once. An HTTP
    # source awaits it once a new body's headers are in, before reading the body, and does
    # not count the wait against its deadline; a file or replay source reads a body in one
    # step and never calls it (the poller then takes its turn once the body is in).
    before_body: BeforeBody | None

    @property
    def origin(self) -> str:
        """Return a name for logs and errors (URL or path, never a secret)."""
        ...

    @property
    def exhausted(self) -> bool:
        """Return True once the source will never have a new version (a replay played out)."""
        ...

    async def fetch(self) -> bytes | None:
        """Return the feed's bytes, or None when it has not changed since the last fetch."""
        ...
