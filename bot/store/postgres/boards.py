"""PostgreSQL store, live boards role: each chat's scoreboard edited in place."""

from __future__ import annotations

import asyncpg

from bot.store.postgres.base import Connection, PostgresBase
from bot.store.records import LiveBoard


class PostgresBoards(PostgresBase):
    """Live scoreboards."""

    async def live_boards(self) -> list[LiveBoard]:
        """Return every chat's live scoreboard."""
        return [_board(r) for r in await self._fetch("SELECT * FROM live_boards ORDER BY seq")]

    async def live_board(self, platform: str, chat_id: str) -> LiveBoard | None:
        """Return a chat's live scoreboard, if it has one."""
        row = await self._fetchrow(
            "SELECT * FROM live_boards WHERE platform=$1 AND chat_id=$2", platform, chat_id
        )
        return _board(row) if row else None

    async def save_live_board(self, board: LiveBoard) -> None:
        """Create or update a chat's live scoreboard."""

        async def work(conn: Connection) -> None:
            # Replaced, not updated: a saved board goes last, as SQLite's INSERT OR REPLACE.
            await conn.execute(
                "DELETE FROM live_boards WHERE platform=$1 AND chat_id=$2",
                board.platform, board.chat_id,
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO live_boards(platform, chat_id, race, locale, message_id, shown,"
                " next_edit) VALUES ($1,$2,$3,$4,$5,$6,$7)",
                board.platform, board.chat_id, board.race, board.locale, board.message_id,
                board.shown, board.next_edit,
            )  # fmt: skip

        await self._run(work)

    async def drop_live_board(self, platform: str, chat_id: str) -> LiveBoard | None:
        """Forget a chat's live scoreboard; return it, if there was one."""
        row = await self._fetchrow(
            "DELETE FROM live_boards WHERE platform=$1 AND chat_id=$2 RETURNING *",
            platform, chat_id,
        )  # fmt: skip
        return _board(row) if row else None


def _board(row: asyncpg.Record) -> LiveBoard:
    return LiveBoard(
        platform=row["platform"],
        chat_id=row["chat_id"],
        race=row["race"],
        locale=row["locale"],
        message_id=row["message_id"],
        shown=row["shown"],
        next_edit=row["next_edit"],
    )
