"""The store backends every store test runs against (a new backend is one more entry here),
and how a test leaves a store no room: a real database answering "database or disk is full"."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from bot.store import Store
from bot.store.sqlite import SQLiteStore

ROOMY = 1_073_741_823  # SQLite's default max_page_count


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


async def fill_up(store: Store) -> None:
    """Let a SQLite store's database grow no more: `PRAGMA max_page_count` pinned to its size
    (SQLite clamps a smaller value to it) and its free room taken by junk settings. A write
    that needs a new page then fails as on a full disk; one that fits where it is may not."""
    db = cast(SQLiteStore, store)._db  # the backend's own connection: a test's reach
    await db.execute("PRAGMA max_page_count=1")
    n = 0
    for size in (1000, 100, 10, 1):
        with contextlib.suppress(sqlite3.OperationalError):
            while True:
                await db.execute("INSERT INTO settings VALUES (?, ?)", (f"~fill{n}", "x" * size))
                await db.commit()
                n += 1
        await db.rollback()


async def make_room(store: Store) -> None:
    """Give a store filled by `fill_up` room to grow again."""
    await cast(SQLiteStore, store)._db.execute(f"PRAGMA max_page_count={ROOMY}")
