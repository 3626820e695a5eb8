"""The SQLite store's shared ground: one aiosqlite connection, used by one operation at a time."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiosqlite

from bot.store.migrations import SQLITE_MIGRATIONS

log = logging.getLogger("bot.store")  # the name its log lines have always had

P = ParamSpec("P")
T = TypeVar("T")
B = TypeVar("B", bound="SQLiteBase")


class SQLiteBase:
    """One connection to one database file (or ":memory:"); the role mixins build on it."""

    def __init__(self, path: str) -> None:
        self.path = path
        # aiosqlite's connection is made here but connects only when awaited, in open():
        # a store can be handed to its users before the app opens any file.
        self._db = aiosqlite.connect(path)
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        """Connect to the database at `path` (":memory:" allowed), creating and migrating it."""
        await self._db
        self._db.row_factory = aiosqlite.Row
        if self.path != ":memory:":
            await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=NORMAL")
        await self._migrate()

    async def close(self) -> None:
        """Close the connection (nothing to do if it was never opened)."""
        await self._db.close()

    async def _migrate(self) -> None:
        async with self._db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        for number, script in enumerate(SQLITE_MIGRATIONS[version:], start=version + 1):
            await self._db.executescript(f"BEGIN; {script}; PRAGMA user_version={number}; COMMIT;")
            log.info("store schema migrated to version %d", number)

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self._db.execute(sql, params) as cur:
            return await cur.fetchone()

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self._db.execute(sql, params) as cur:
            return list(await cur.fetchall())


def serialised(
    method: Callable[Concatenate[B, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[B, P], Coroutine[Any, Any, T]]:
    """Run a store method alone on the connection: transactions of the feed cycle, the
    outbox and the commands must never interleave on one SQLite connection."""

    @functools.wraps(method)
    async def wrapper(store: B, /, *args: P.args, **kwargs: P.kwargs) -> T:
        async with store._lock:
            return await method(store, *args, **kwargs)

    return wrapper


def ts(moment: datetime) -> str:
    """Return a sortable text form of an aware datetime: UTC, always with microseconds."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def ids_of(ids: int | Sequence[int]) -> list[int]:
    """Return one id or several as a list."""
    return [ids] if isinstance(ids, int) else list(ids)
