"""PostgreSQL store, outbox role: messages due to chats, claimed, marked or retried.

Several instances may share the outbox: `due` claims the rows it hands out (SELECT … FOR
UPDATE SKIP LOCKED, then a claim in this store's name, until `claim_for` has passed), so two
instances never hand out the same row; a row claimed by another, and the rows of its chat
after it, wait until that claim ends or is settled (sent, failed, retried)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from bot.store.codec import message_from_json, message_to_json
from bot.store.postgres.base import Connection, PostgresBase, id_list
from bot.store.records import Delivery

# A chat's messages go in order: one waiting for a retry, or claimed by another instance,
# holds back those after it. The first held row of each chat is found once (a join).
_DUE = """
WITH held AS (
    SELECT platform, chat_id, min(id) AS first FROM outbox
    WHERE status='pending' AND (not_before > $1
        OR (claimed_by <> $3 AND claimed_until > clock_timestamp()))
    GROUP BY platform, chat_id
), picked AS (
    SELECT o.id FROM outbox o LEFT JOIN held h ON h.platform=o.platform AND h.chat_id=o.chat_id
    WHERE o.status='pending' AND o.not_before <= $1 AND ($5::text[] IS NULL OR
        o.platform = ANY($5::text[])) AND (h.first IS NULL OR o.id < h.first)
        -- Checked on the row itself, not only in held: a row another instance claimed and
        -- committed after this statement's snapshot is read again once locked (READ
        -- COMMITTED re-checks the row's own conditions), and skipped.
        AND (o.claimed_by IS NULL OR o.claimed_by = $3 OR o.claimed_until <= clock_timestamp())
    ORDER BY o.id LIMIT $2
    FOR UPDATE OF o SKIP LOCKED
)
UPDATE outbox SET claimed_by=$3, claimed_until=clock_timestamp() + $4::interval
FROM picked WHERE outbox.id = picked.id
RETURNING outbox.*
"""


class PostgresOutbox(PostgresBase):
    """The outbox, shared by the instances."""

    async def enqueue(self, deliveries: Sequence[Delivery], now: datetime) -> None:
        """Queue messages outside a feed cycle (e.g. a manual announcement)."""

        async def work(conn: Connection) -> None:
            await insert_deliveries(conn, deliveries, now)

        await self._run(work)

    async def due(
        self, now: datetime, limit: int = 500, platforms: Sequence[str] | None = None
    ) -> list[Delivery]:
        """Return pending deliveries whose time has come, oldest first, of these platforms,
        claimed by this store (handed out again to it, to no other instance)."""

        async def work(conn: Connection) -> list[asyncpg.Record]:
            if not await self._may_claim(conn):
                return []
            wanted = list(platforms) if platforms is not None else None
            return list(await conn.fetch(_DUE, now, limit, self.owner, self.claim_for, wanted))

        rows = await self._run(work)
        return [_delivery(r) for r in sorted(rows, key=lambda r: int(r["id"]))]

    async def _may_claim(self, conn: Connection) -> bool:
        """Say whether this store may claim deliveries now (it leads, when there is a lease)."""
        return True

    async def pending_platforms(self) -> set[str]:
        """Return the platforms that have messages waiting."""
        rows = await self._fetch("SELECT DISTINCT platform FROM outbox WHERE status='pending'")
        return {r[0] for r in rows}

    async def next_due(self) -> datetime | None:
        """Return when the earliest pending delivery may be tried."""
        row = await self._fetchrow("SELECT min(not_before) FROM outbox WHERE status='pending'")
        return row[0] if row else None

    async def mark_sent(self, ids: int | Sequence[int], now: datetime) -> None:
        """Record that deliveries reached their chat."""
        await self._execute(
            "UPDATE outbox SET status='sent', sent_at=$1, attempts=attempts+1, claimed_by=NULL"
            " WHERE id = ANY($2::bigint[])",
            now, id_list(ids),
        )  # fmt: skip

    async def mark_failed(self, ids: int | Sequence[int], error: str) -> None:
        """Record that the platform refused deliveries for good."""
        await self._execute(
            "UPDATE outbox SET status='failed', last_error=$1, attempts=attempts+1,"
            " claimed_by=NULL WHERE id = ANY($2::bigint[])",
            error[:500], id_list(ids),
        )  # fmt: skip

    async def retry_later(
        self, ids: int | Sequence[int], when: datetime, error: str, *, count: bool
    ) -> None:
        """Put deliveries back in the queue until `when`."""
        await self._execute(
            "UPDATE outbox SET not_before=$1, last_error=$2, attempts=attempts+$3,"
            " claimed_by=NULL WHERE id = ANY($4::bigint[])",
            when, error[:500], int(count), id_list(ids),
        )  # fmt: skip

    async def outbox_counts(self) -> dict[str, int]:
        """Return the number of outbox rows per status."""
        rows = await self._fetch("SELECT status, count(*) FROM outbox GROUP BY status")
        return {r[0]: int(r[1]) for r in rows}

    async def pending_counts(self) -> dict[str, int]:
        """Return the number of messages waiting per platform (those with none are left out)."""
        sql = "SELECT platform, count(*) FROM outbox WHERE status='pending' GROUP BY platform"
        return {r[0]: int(r[1]) for r in await self._fetch(sql)}

    async def sent(self, platform: str | None = None) -> list[tuple[str, str, str]]:
        """Return (event_key, platform, chat_id) of delivered messages, in order."""
        rows = await self._fetch(
            "SELECT event_key, platform, chat_id FROM outbox WHERE status='sent'"
            " AND ($1::text IS NULL OR platform=$1) ORDER BY sent_at, id",
            platform or None,
        )
        return [(r[0], r[1], r[2]) for r in rows]


async def insert_deliveries(
    conn: Connection, deliveries: Sequence[Delivery], now: datetime
) -> None:
    """Queue deliveries in their order (one per event and chat: a repeat is ignored), inside
    the caller's transaction."""
    if not deliveries:
        return
    await conn.execute(
        "INSERT INTO outbox(event_key, platform, chat_id, payload, not_before, created_at)"
        " SELECT k, p, c, m, $5, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])"
        " WITH ORDINALITY AS d(k, p, c, m, n) ORDER BY n"
        " ON CONFLICT (event_key, platform, chat_id) DO NOTHING",
        [d.event_key for d in deliveries], [d.platform for d in deliveries],
        [d.chat_id for d in deliveries], [message_to_json(d.message) for d in deliveries], now,
    )  # fmt: skip


def _delivery(row: asyncpg.Record) -> Delivery:
    return Delivery(
        id=row["id"],
        event_key=row["event_key"],
        platform=row["platform"],
        chat_id=row["chat_id"],
        message=message_from_json(row["payload"]),
        attempts=row["attempts"],
        recorded_at=row["created_at"],
    )
