"""PostgreSQL store, subscriptions role: who follows which race; chats that left or moved."""

from __future__ import annotations

import asyncpg

from bot.store.postgres.base import Connection, PostgresBase, count_of
from bot.store.records import Subscription


class PostgresChats(PostgresBase):
    """Subscriptions and chat moves."""

    async def subscribe(self, sub: Subscription) -> None:
        """Add or re-enable a subscription, updating its locale."""
        await self._execute(
            "INSERT INTO subscriptions(platform, chat_id, race, locale) VALUES ($1,$2,$3,$4)"
            " ON CONFLICT (platform, chat_id, race) DO UPDATE SET locale=excluded.locale,"
            " active=true, disabled_reason=NULL",
            sub.platform, sub.chat_id, sub.race, sub.locale,
        )  # fmt: skip

    async def unsubscribe(self, platform: str, chat_id: str, race: str | None = None) -> int:
        """Remove a chat's subscription to a race (or all of them); return how many."""
        status = await self._execute(
            "DELETE FROM subscriptions WHERE platform=$1 AND chat_id=$2"
            " AND ($3::text IS NULL OR race=$3)",
            platform, chat_id, race,
        )  # fmt: skip
        return count_of(status)

    async def subscriptions(
        self, platform: str | None = None, chat_id: str | None = None, *, active: bool = True
    ) -> list[Subscription]:
        """Return subscriptions, optionally of one platform or one chat."""
        rows = await self._fetch(
            "SELECT * FROM subscriptions WHERE active=$1 AND ($2::text IS NULL OR platform=$2)"
            " AND ($3::text IS NULL OR chat_id=$3) ORDER BY seq",
            active, platform, chat_id,
        )  # fmt: skip
        return [_subscription(r) for r in rows]

    async def disable_chat(self, platform: str, chat_id: str, reason: str) -> None:
        """Stop sending to a chat that is gone, and drop what was queued for it."""

        async def work(conn: Connection) -> None:
            await conn.execute(
                "UPDATE subscriptions SET active=false, disabled_reason=$1"
                " WHERE platform=$2 AND chat_id=$3",
                reason, platform, chat_id,
            )  # fmt: skip
            await conn.execute(
                "UPDATE outbox SET status='dropped', last_error=$1 WHERE platform=$2"
                " AND chat_id=$3 AND status='pending'",
                reason, platform, chat_id,
            )  # fmt: skip
            await conn.execute(
                "DELETE FROM live_boards WHERE platform=$1 AND chat_id=$2", platform, chat_id
            )

        await self._run(work)

    async def move_chat(self, platform: str, old_id: str, new_id: str) -> None:
        """Point a chat's subscriptions, queued messages and live board at its new id."""
        if old_id == new_id:
            return

        async def work(conn: Connection) -> None:
            # The old chat's rows replace the new one's where both have one (as SQLite's
            # UPDATE OR REPLACE does).
            await conn.execute(
                "DELETE FROM subscriptions WHERE platform=$1 AND chat_id=$3 AND race IN"
                " (SELECT race FROM subscriptions WHERE platform=$1 AND chat_id=$2)",
                platform, old_id, new_id,
            )  # fmt: skip
            await conn.execute(
                "UPDATE subscriptions SET chat_id=$3 WHERE platform=$1 AND chat_id=$2",
                platform, old_id, new_id,
            )  # fmt: skip
            # What is already queued for the new id needs no second copy from the old one.
            await conn.execute(
                "DELETE FROM outbox WHERE platform=$1 AND chat_id=$2 AND status='pending' AND"
                " event_key IN (SELECT event_key FROM outbox WHERE platform=$1 AND chat_id=$3)",
                platform, old_id, new_id,
            )  # fmt: skip
            await conn.execute(
                "UPDATE outbox SET chat_id=$3 WHERE platform=$1 AND chat_id=$2"
                " AND status='pending'",
                platform, old_id, new_id,
            )  # fmt: skip
            await conn.execute(
                "DELETE FROM live_boards WHERE platform=$1 AND chat_id=$3 AND EXISTS"
                " (SELECT 1 FROM live_boards WHERE platform=$1 AND chat_id=$2)",
                platform, old_id, new_id,
            )  # fmt: skip
            await conn.execute(
                "UPDATE live_boards SET chat_id=$3, message_id=NULL"
                " WHERE platform=$1 AND chat_id=$2",
                platform, old_id, new_id,
            )  # fmt: skip

        await self._run(work)


def _subscription(row: asyncpg.Record) -> Subscription:
    return Subscription(
        platform=row["platform"],
        chat_id=row["chat_id"],
        race=row["race"],
        locale=row["locale"],
        active=row["active"],
    )
