"""The SQLite store's shared ground: one aiosqlite connection, used by one operation at a time."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sqlite3
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiosqlite

from bot.store.errors import StoreUnavailable
from bot.store.migrations import SQLITE_MIGRATIONS

log = logging.getLogger("bot.store")  # the name its log lines have always had

# SQLite's primary result codes that mean "this store cannot write now" (or cannot open):
# SQLITE_BUSY and SQLITE_LOCKED (another process holds the file past the busy timeout),
# SQLITE_READONLY, SQLITE_IOERR (a short write: a full disk, a file-size limit), SQLITE_FULL,
# SQLITE_CANTOPEN. Callers see StoreUnavailable, never sqlite3.
UNAVAILABLE = frozenset({5, 6, 8, 10, 13, 14})

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
        # A file's commands read beside the writer (WAL): a 35,000-race version's write held
        # the one connection a second and more, and every /results waited behind it.
        self._reader: aiosqlite.Connection | None = None

    async def open(self) -> None:
        """Connect to the database at `path` (":memory:" allowed), creating and migrating it;
        raise StoreUnavailable naming the path when it cannot be opened or written."""
        try:
            await self._db
            self._db.row_factory = aiosqlite.Row
            if self.path != ":memory:":
                await self._db.execute("PRAGMA journal_mode=WAL")
            await self._db.execute("PRAGMA synchronous=NORMAL")
            await self._migrate()
            if self.path != ":memory:":
                self._reader = await aiosqlite.connect(self.path)
                self._reader.row_factory = aiosqlite.Row
        except sqlite3.Error as exc:
            await self._settle()
            await self._worker_ended()
            if not unavailable(exc):
                raise
            raise StoreUnavailable(f"cannot open the store {self.path}: {exc}") from exc

    async def close(self) -> None:
        """Close the connections (nothing to do if they were never opened)."""
        if self._reader is not None:
            await self._reader.close()
        await self._db.close()
        await self._worker_ended()

    async def _worker_ended(self) -> None:
        """Wait for aiosqlite's worker thread to end: after a connection that failed to open
        it stops on its own, and must not answer a loop that has closed meanwhile."""
        worker = getattr(self._db, "_thread", None)
        if worker is not None and worker.ident is not None and worker.is_alive():
            await asyncio.to_thread(worker.join, 5.0)

    async def _migrate(self) -> None:
        async with self._db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        for number, script in enumerate(SQLITE_MIGRATIONS[version:], start=version + 1):
            await self._db.executescript(f"BEGIN; {script}; PRAGMA user_version={number}; COMMIT;")
            log.info("store schema migrated to version %d", number)

    async def _settle(self) -> None:
        """Roll back what a failed operation left open: a transaction half written must not
        be committed by the next operation on the connection."""
        with contextlib.suppress(sqlite3.Error, ValueError):  # ValueError: never connected
            if self._db.in_transaction:
                await self._db.rollback()

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self._db.execute(sql, params) as cur:
            return await cur.fetchone()

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self._db.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def _read_one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with (self._reader or self._db).execute(sql, params) as cur:
            return await cur.fetchone()

    async def _read_all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with (self._reader or self._db).execute(sql, params) as cur:
            return list(await cur.fetchall())


def serialised(
    method: Callable[Concatenate[B, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[B, P], Coroutine[Any, Any, T]]:
    """Run a store method alone on the connection: transactions of the feed cycle, the
    outbox and the commands must never interleave on one SQLite connection."""

    @functools.wraps(method)
    async def wrapper(store: B, /, *args: P.args, **kwargs: P.kwargs) -> T:
        async with store._lock:
            try:
                return await method(store, *args, **kwargs)
            except sqlite3.Error as exc:
                await store._settle()
                if unavailable(exc):
                    raise StoreUnavailable(str(exc)) from exc
                raise

    return wrapper


def reading(
    method: Callable[Concatenate[B, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[B, P], Coroutine[Any, Any, T]]:
    """Run a store method that only reads (with `_read_one`, `_read_all`): on a file, on the
    reading connection, never waiting for a write; in memory, alone on the one connection."""

    @functools.wraps(method)
    async def wrapper(store: B, /, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            if store._reader is not None:
                return await method(store, *args, **kwargs)
            async with store._lock:
                return await method(store, *args, **kwargs)
        except sqlite3.Error as exc:
            if unavailable(exc):
                raise StoreUnavailable(str(exc)) from exc
            raise

    return wrapper


def unavailable(exc: sqlite3.Error) -> bool:
    """Say whether SQLite's error means the store cannot write (or open) just now."""
    # Extended codes (SQLITE_IOERR_WRITE...) carry the primary one in their low byte.
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in UNAVAILABLE


def ts(moment: datetime) -> str:
    """Return a sortable text form of an aware datetime: UTC, always with microseconds."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def ids_of(ids: int | Sequence[int]) -> list[int]:
    """Return one id or several as a list."""
    return [ids] if isinstance(ids, int) else list(ids)
