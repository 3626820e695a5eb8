"""SQLite store, subscriptions role: who follows which race; chats that left or moved."""

from __future__ import annotations

import aiosqlite

from bot.store.records import Subscription
from bot.store.sqlite.base import SQLiteBase, reading, serialised


class SQLiteChats(SQLiteBase):
    """Subscriptions and chat moves, on the shared connection."""

    @serialised
    async def subscribe(self, sub: Subscription) -> None:
        """Add or re-enable a subscription, updating its locale."""
        # The table's admin column (schema 1) is no longer read or written: admin chats come
        # from the config (bot.audience.AdminChats).
        await self._db.execute(
            "INSERT INTO subscriptions(platform, chat_id, race, locale, active)"
            " VALUES (?,?,?,?,1) ON CONFLICT(platform, chat_id, race) DO UPDATE SET"
            " locale=excluded.locale, active=1, disabled_reason=NULL",
            (sub.platform, sub.chat_id, sub.race, sub.locale),
        )
        await self._db.commit()

    @serialised
    async def unsubscribe(self, platform: str, chat_id: str, race: str | None = None) -> int:
        """Remove a chat's subscription to a race (or all of them); return how many."""
        sql, params = (
            "DELETE FROM subscriptions WHERE platform=? AND chat_id=?",
            [platform, chat_id],
        )
        if race is not None:
            sql, params = sql + " AND race=?", [*params, race]
        cur = await self._db.execute(sql, params)
        await self._db.commit()
        return cur.rowcount

    @reading
    async def subscriptions(
        self, platform: str | None = None, chat_id: str | None = None, *, active: bool = True
    ) -> list[Subscription]:
        """Return subscriptions, optionally of one platform or one chat."""
        sql = "SELECT * FROM subscriptions WHERE active=?"
        params: list[object] = [int(active)]
        if platform is not None:
            sql, params = sql + " AND platform=?", [*params, platform]
        if chat_id is not None:
            sql, params = sql + " AND chat_id=?", [*params, chat_id]
        return [_subscription(r) for r in await self._read_all(sql + " ORDER BY rowid", params)]

    @serialised
    async def disable_chat(self, platform: str, chat_id: str, reason: str) -> None:
        """Stop sending to a chat that is gone, and drop what was queued for it."""
        await self._db.execute(
            "UPDATE subscriptions SET active=0, disabled_reason=? WHERE platform=? AND chat_id=?",
            (reason, platform, chat_id),
        )
        await self._db.execute(
            "UPDATE outbox SET status='dropped', last_error=? WHERE platform=? AND chat_id=?"
            " AND status='pending'",
            (reason, platform, chat_id),
        )
        await self._db.execute(
            "DELETE FROM live_boards WHERE platform=? AND chat_id=?", (platform, chat_id)
        )
        await self._db.commit()

    @serialised
    async def move_chat(self, platform: str, old_id: str, new_id: str) -> None:
        """Point a chat's subscriptions, queued messages and live board at its new id."""
        await self._db.execute(
            "UPDATE OR REPLACE subscriptions SET chat_id=? WHERE platform=? AND chat_id=?",
            (new_id, platform, old_id),
        )
        # What is already queued for the new id needs no second copy from the old one.
        await self._db.execute(
            "DELETE FROM outbox WHERE platform=? AND chat_id=? AND status='pending' AND event_key"
            " IN (SELECT event_key FROM outbox WHERE platform=? AND chat_id=?)",
            (platform, old_id, platform, new_id),
        )
        await self._db.execute(
            "UPDATE outbox SET chat_id=? WHERE platform=? AND chat_id=? AND status='pending'",
            (new_id, platform, old_id),
        )
        await self._db.execute(
            "UPDATE OR REPLACE live_boards SET chat_id=?, message_id=NULL WHERE platform=? AND"
            " chat_id=?",
            (new_id, platform, old_id),
        )
        await self._db.commit()


def _subscription(row: aiosqlite.Row) -> Subscription:
    return Subscription(
        platform=row["platform"],
        chat_id=row["chat_id"],
        race=row["race"],
        locale=row["locale"],
        active=bool(row["active"]),
    )
