"""The store backends every store test runs against (a new backend is one more entry here),
and how a test leaves a store no room: a real database answering that it is full."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from bot.store import Store
from bot.store.postgres import PostgresStore
from bot.store.sqlite import SQLiteStore
from tests.postgres import server

ROOMY = 1_073_741_823  # SQLite's default max_page_count


async def _memory(_: Path) -> str:
    return ":memory:"


async def _disk(folder: Path) -> str:
    return str(folder / "soiree.db")


async def _postgres(_: Path) -> str:
    return await server().fresh_database()


@dataclass(frozen=True, kw_only=True)
class Backend:
    """Where a test opens a fresh store of one backend, given the test's own folder."""

    id: str
    place: Callable[[Path], Awaitable[str]]  # a fresh place: a path, ":memory:", a URL
    persistent: bool  # a store reopened at the same place finds its data again
    full: str  # what the store says when it has no room left (a pattern of its message)


BACKENDS: tuple[Backend, ...] = (
    Backend(id="memory", place=_memory, persistent=False, full="database or disk is full"),
    Backend(id="disk", place=_disk, persistent=True, full="database or disk is full"),
    Backend(id="postgres", place=_postgres, persistent=True, full="No space left on device"),
)
PERSISTENT: tuple[Backend, ...] = tuple(b for b in BACKENDS if b.persistent)
# The backends of the tests of other rooms that use the `store` fixture (tests/conftest.py):
# they test the dispatcher, the poller, the commands, on the embedded default.
EMBEDDED: tuple[Backend, ...] = tuple(b for b in BACKENDS if b.id != "postgres")


async def fill_up(store: Store) -> None:
    """Leave a store no room: every write then fails as on a full disk (reads still work)."""
    if isinstance(store, PostgresStore):
        await _fill_postgres(store)
        return
    # SQLite: `PRAGMA max_page_count` pinned to its size (SQLite clamps a smaller value to it)
    # and its free room taken by junk settings. A write that needs a new page then fails as
    # on a full disk; one that fits where it is may not.
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
    if isinstance(store, PostgresStore):
        await _execute(store, "DROP FUNCTION soiree_test_full() CASCADE")
        return
    await cast(SQLiteStore, store)._db.execute(f"PRAGMA max_page_count={ROOMY}")


# PostgreSQL cannot be given a small disk from a test: each table's writes are answered as
# PostgreSQL answers them on a full disk, SQLSTATE 53100 (disk_full) with its own message.
_FULL = """
CREATE FUNCTION soiree_test_full() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'could not extend file "base/%": No space left on device', TG_TABLE_NAME
        USING ERRCODE = 'disk_full';
END $$;
"""


async def _fill_postgres(store: PostgresStore) -> None:
    tables = await _fetch_tables(store)
    script = _FULL + "".join(
        f"CREATE TRIGGER soiree_test_full BEFORE INSERT OR UPDATE OR DELETE ON {t}"
        " FOR EACH STATEMENT EXECUTE FUNCTION soiree_test_full();"
        for t in tables
    )
    await _execute(store, script)


async def _fetch_tables(store: PostgresStore) -> list[str]:
    pool = store._pool  # the backend's own pool: a test's reach
    assert pool is not None
    rows = await pool.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        " AND tablename <> 'schema_version'"
    )
    return [r[0] for r in rows]


async def _execute(store: PostgresStore, script: str) -> None:
    pool = store._pool
    assert pool is not None
    await pool.execute(script)
