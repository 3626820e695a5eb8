"""SQLite store, live boards role: each chat's scoreboard edited in place."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.store.records import LiveBoard
from bot.store.sqlite.base import SQLiteBase, serialised, ts


class SQLiteBoards(SQLiteBase):
    """Live scoreboards, on the shared connection."""

    @serialised
    async def live_boards(self) -> list[LiveBoard]:
        """Return every chat's live scoreboard."""
        return [_board(r) for r in await self._all("SELECT * FROM live_boards ORDER BY rowid")]

    @serialised
    async def live_board(self, platform: str, chat_id: str) -> LiveBoard | None:
        """Return a chat's live scoreboard, if it has one."""
        return await self._live_board(platform, chat_id)

    async def _live_board(self, platform: str, chat_id: str) -> LiveBoard | None:
        row = await self._one(
            "SELECT * FROM live_boards WHERE platform=? AND chat_id=?", (platform, chat_id)
        )
        return _board(row) if row else None

    @serialised
    async def save_live_board(self, board: LiveBoard) -> None:
        """Create or update a chat's live scoreboard."""
        await self._db.execute(
            "INSERT OR REPLACE INTO live_boards VALUES (?,?,?,?,?,?,?)",
            (board.platform, board.chat_id, board.race, board.locale, board.message_id,
             board.shown, ts(board.next_edit)),
        )  # fmt: skip
        await self._db.commit()

    @serialised
    async def drop_live_board(self, platform: str, chat_id: str) -> LiveBoard | None:
        """Forget a chat's live scoreboard; return it, if there was one."""
        board = await self._live_board(platform, chat_id)
        await self._db.execute(
            "DELETE FROM live_boards WHERE platform=? AND chat_id=?", (platform, chat_id)
        )
        await self._db.commit()
        return board


def _board(row: aiosqlite.Row) -> LiveBoard:
    return LiveBoard(
        platform=row["platform"],
        chat_id=row["chat_id"],
        race=row["race"],
        locale=row["locale"],
        message_id=row["message_id"],
        shown=row["shown"],
        next_edit=datetime.fromisoformat(row["next_edit"]),
    )
