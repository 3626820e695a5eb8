"""The store backends every store test runs against: a new backend is one more entry here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, kw_only=True)
class Backend:
    """Where a test opens a fresh store of one backend, given the test's own folder."""

    id: str
    where: Callable[[Path], str]
    persistent: bool  # a store reopened at the same place finds its data again


BACKENDS: tuple[Backend, ...] = (
    Backend(id="memory", where=lambda _: ":memory:", persistent=False),
    Backend(id="disk", where=lambda folder: str(folder / "soiree.db"), persistent=True),
)
PERSISTENT: tuple[Backend, ...] = tuple(b for b in BACKENDS if b.persistent)
