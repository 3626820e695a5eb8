"""How to run the bot: speed, output, the clock, the environment; what tests may inject."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO

import httpx

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Return the current time, timezone-aware."""
    return datetime.now(UTC)


@dataclass(kw_only=True)
class Options:
    """How to run: speed-up factor for intervals, where output goes, injected clock."""

    speed: float = 1.0
    paused: bool = False
    staging: bool = False
    digest_max: int | None = None  # overrides the config's digest_max
    out: TextIO | None = None
    interactive: bool | None = None
    clock: Clock = utcnow
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    http_client: httpx.AsyncClient | None = None
    # Divides the platforms' rate-limit windows: for tests and benchmarks against fakes only.
    rate_scale: float = 1.0
