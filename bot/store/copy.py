"""Copy a whole store to another, of either backend: a SQLite store rehearsed on moved into
the PostgreSQL that several instances share (or back), its ledger, subscriptions, outbox,
snapshots, live boards and settings with it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, Protocol, cast

from bot.store import StoreUnavailable, is_postgres, store_at
from bot.store.tables import TABLES, Table


class RowStore(Protocol):
    """A store whose tables can be read and written whole (both backends are)."""

    def export_rows(self, table: Table) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Yield a table's rows in batches, in their order, as plain values."""
        ...

    async def import_rows(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        """Add rows of plain values to a table, in their order (committed)."""

    async def row_count(self, table: Table) -> int:
        """Return how many rows a table holds."""

    async def open(self) -> None:
        """Connect, creating or migrating the schema."""

    async def close(self) -> None:
        """Close the store."""


class NotEmpty(Exception):
    """The store to copy into holds data already: a copy never merges two nights."""


async def copy_store(source: str, target: str) -> dict[str, int]:
    """Copy every table of the store at `source` into the empty store at `target` (each a
    SQLite path or a postgresql:// URL; the target is created and migrated if need be);
    return how many rows each table had. Raise NotEmpty when the target holds data."""
    if not is_postgres(source) and not await asyncio.to_thread(Path(source).is_file):
        raise StoreUnavailable(f"cannot open the store {source}: no such file")
    src, dst = cast(RowStore, store_at(source)), cast(RowStore, store_at(target))
    await src.open()
    try:
        await dst.open()
        try:
            full = [t.name for t in TABLES if await dst.row_count(t)]
            if full:
                raise NotEmpty(f"the store to copy into holds data already ({', '.join(full)})")
            return {t.name: await _copy_table(src, dst, t) for t in TABLES}
        finally:
            await dst.close()
    finally:
        await src.close()


async def _copy_table(src: RowStore, dst: RowStore, table: Table) -> int:
    copied = 0
    async for rows in src.export_rows(table):
        await dst.import_rows(table, rows)
        copied += len(rows)
    return copied
