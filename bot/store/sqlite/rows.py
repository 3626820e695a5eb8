"""SQLite store, rows of any table as plain values: what `store copy` reads and writes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from bot.store.sqlite.base import SQLiteBase, ts
from bot.store.tables import Table


class SQLiteRows(SQLiteBase):
    """Whole tables, read in batches and written at once (no other operation meanwhile)."""

    async def export_rows(self, table: Table) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Yield a table's rows in batches, in their order, as plain values."""
        async with self._lock:
            sql = f"SELECT {', '.join(table.names)} FROM {table.name} ORDER BY rowid"
            async with self._db.execute(sql) as cur:
                while rows := await cur.fetchmany(table.batch):
                    yield [_plain(table, row) for row in rows]

    async def import_rows(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        """Add rows of plain values to a table, in their order (committed)."""
        marks = ",".join("?" * len(table.columns))
        async with self._lock:
            await self._db.executemany(
                f"INSERT INTO {table.name}({', '.join(table.names)}) VALUES ({marks})",
                [_stored(table, row) for row in rows],
            )
            await self._db.commit()

    async def row_count(self, table: Table) -> int:
        """Return how many rows a table holds."""
        async with self._lock:
            row = await self._one(f"SELECT count(*) FROM {table.name}")
        return int(row[0]) if row else 0


def _plain(table: Table, row: Sequence[Any]) -> tuple[Any, ...]:
    out: list[Any] = []
    for (_, kind), value in zip(table.columns, row, strict=True):
        if value is not None and kind == "time":
            value = datetime.fromisoformat(value)
        elif value is not None and kind == "bool":
            value = bool(value)
        elif value is not None and kind == "bytes":
            value = bytes(value)
        out.append(value)
    return tuple(out)


def _stored(table: Table, row: Sequence[Any]) -> tuple[Any, ...]:
    out: list[Any] = []
    for (_, kind), value in zip(table.columns, row, strict=True):
        if value is not None and kind == "time":
            value = ts(value)
        elif value is not None and kind == "bool":
            value = int(value)
        out.append(value)
    return tuple(out)
