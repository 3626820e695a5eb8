"""SQLite store, outbox role: messages due to chats, handed out in order, marked or retried."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from bot.store.codec import message_from_json, message_to_json
from bot.store.records import Delivery
from bot.store.sqlite.base import SQLiteBase, ids_of, serialised, ts


class SQLiteOutbox(SQLiteBase):
    """The outbox, on the shared connection."""

    @serialised
    async def enqueue(self, deliveries: Sequence[Delivery], now: datetime) -> None:
        """Queue messages outside a feed cycle (e.g. a manual announcement)."""
        await insert_deliveries(self._db, deliveries, ts(now))
        await self._db.commit()

    @serialised
    async def due(
        self, now: datetime, limit: int = 500, platforms: Sequence[str] | None = None
    ) -> list[Delivery]:
        """Return pending deliveries whose time has come, oldest first, of these platforms."""
        # A chat's messages go in order: one waiting for a retry holds back those after it.
        # The first waiting row of each chat is found once (a join, not a subquery per row,
        # which grew with the square of one chat's backlog: 5 s for 8,000 rows).
        stamp = ts(now)
        only, params = "", list(platforms or ())
        if platforms is not None:
            only = f" AND o.platform IN ({','.join('?' * len(platforms))})"
        rows = await self._all(
            "WITH held AS (SELECT platform, chat_id, min(id) AS first FROM outbox"
            " WHERE status='pending' AND not_before>? GROUP BY platform, chat_id)"
            " SELECT o.* FROM outbox o LEFT JOIN held h"
            " ON h.platform=o.platform AND h.chat_id=o.chat_id"
            " WHERE o.status='pending' AND o.not_before<=?" + only + " AND"
            " (h.first IS NULL OR o.id<h.first) ORDER BY o.id LIMIT ?",
            [stamp, stamp, *params, limit],
        )
        return [_delivery(r) for r in rows]

    @serialised
    async def pending_platforms(self) -> set[str]:
        """Return the platforms that have messages waiting."""
        rows = await self._all("SELECT DISTINCT platform FROM outbox WHERE status='pending'")
        return {r[0] for r in rows}

    @serialised
    async def next_due(self) -> datetime | None:
        """Return when the earliest pending delivery may be tried."""
        row = await self._one("SELECT min(not_before) FROM outbox WHERE status='pending'")
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    @serialised
    async def mark_sent(self, ids: int | Sequence[int], now: datetime) -> None:
        """Record that deliveries reached their chat."""
        await self._db.executemany(
            "UPDATE outbox SET status='sent', sent_at=?, attempts=attempts+1 WHERE id=?",
            [(ts(now), i) for i in ids_of(ids)],
        )
        await self._db.commit()

    @serialised
    async def mark_failed(self, ids: int | Sequence[int], error: str) -> None:
        """Record that the platform refused deliveries for good."""
        await self._db.executemany(
            "UPDATE outbox SET status='failed', last_error=?, attempts=attempts+1 WHERE id=?",
            [(error[:500], i) for i in ids_of(ids)],
        )
        await self._db.commit()

    @serialised
    async def retry_later(
        self, ids: int | Sequence[int], when: datetime, error: str, *, count: bool
    ) -> None:
        """Put deliveries back in the queue until `when`."""
        await self._db.executemany(
            "UPDATE outbox SET not_before=?, last_error=?, attempts=attempts+? WHERE id=?",
            [(ts(when), error[:500], int(count), i) for i in ids_of(ids)],
        )
        await self._db.commit()

    @serialised
    async def outbox_counts(self) -> dict[str, int]:
        """Return the number of outbox rows per status."""
        rows = await self._all("SELECT status, count(*) FROM outbox GROUP BY status")
        return {r[0]: int(r[1]) for r in rows}

    @serialised
    async def pending_counts(self) -> dict[str, int]:
        """Return the number of messages waiting per platform (those with none are left out)."""
        sql = "SELECT platform, count(*) FROM outbox WHERE status='pending' GROUP BY platform"
        return {r[0]: int(r[1]) for r in await self._all(sql)}

    @serialised
    async def sent(self, platform: str | None = None) -> list[tuple[str, str, str]]:
        """Return (event_key, platform, chat_id) of delivered messages, in order."""
        sql = "SELECT event_key, platform, chat_id FROM outbox WHERE status='sent'"
        params: list[object] = []
        if platform:
            sql, params = sql + " AND platform=?", [platform]
        return [(r[0], r[1], r[2]) for r in await self._all(sql + " ORDER BY sent_at, id", params)]


async def insert_deliveries(
    db: aiosqlite.Connection, deliveries: Sequence[Delivery], now: str
) -> None:
    """Queue deliveries (one per event and chat: a repeat is ignored), uncommitted."""
    await db.executemany(
        "INSERT OR IGNORE INTO outbox(event_key, platform, chat_id, payload, not_before,"
        " created_at) VALUES (?,?,?,?,?,?)",
        [
            (d.event_key, d.platform, d.chat_id, message_to_json(d.message), now, now)
            for d in deliveries
        ],
    )


def _delivery(row: aiosqlite.Row) -> Delivery:
    return Delivery(
        id=row["id"],
        event_key=row["event_key"],
        platform=row["platform"],
        chat_id=row["chat_id"],
        message=message_from_json(row["payload"]),
        attempts=row["attempts"],
        recorded_at=datetime.fromisoformat(row["created_at"]),
    )
