"""PostgreSQL store, rows of any table as plain values: what `store copy` reads and writes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from bot.store.postgres.base import PostgresBase
from bot.store.tables import Table


class PostgresRows(PostgresBase):
    """Whole tables, read through a cursor in batches and written with COPY."""

    async def export_rows(self, table: Table) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Yield a table's rows in batches, in their order, as plain values."""
        if self._pool is None:
            raise RuntimeError("the store is not open")
        sql = f"SELECT {', '.join(table.names)} FROM {table.name} ORDER BY {table.order}"
        async with self._pool.acquire() as conn, conn.transaction():
            batch: list[tuple[Any, ...]] = []
            async for record in conn.cursor(sql, prefetch=table.batch):
                batch.append(tuple(record.values()))
                if len(batch) == table.batch:
                    yield batch
                    batch = []
            if batch:
                yield batch

    async def import_rows(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        """Add rows of plain values to a table, in their order (committed)."""
        if self._pool is None:
            raise RuntimeError("the store is not open")
        await self._pool.copy_records_to_table(table.name, records=rows, columns=table.names)

    async def row_count(self, table: Table) -> int:
        """Return how many rows a table holds."""
        row = await self._fetchrow(f"SELECT count(*) FROM {table.name}")
        return int(row[0]) if row else 0
