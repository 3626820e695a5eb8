"""The SQLite store (aiosqlite): the embedded default, one instance per database file.

One class per role over one shared connection (`base.py`); `SQLiteStore` joins them.
"""

from __future__ import annotations

from bot.store.sqlite.base import ts
from bot.store.sqlite.boards import SQLiteBoards
from bot.store.sqlite.chats import SQLiteChats
from bot.store.sqlite.ledger import SQLiteLedger
from bot.store.sqlite.outbox import SQLiteOutbox
from bot.store.sqlite.rows import SQLiteRows
from bot.store.sqlite.settings import SQLiteSettings
from bot.store.sqlite.snapshots import SQLiteSnapshots

__all__ = ["SQLiteStore", "ts"]


class SQLiteStore(
    SQLiteSnapshots,
    SQLiteLedger,
    SQLiteChats,
    SQLiteOutbox,
    SQLiteBoards,
    SQLiteSettings,
    SQLiteRows,
):
    """Async SQLite store. One instance owns one connection, used by one operation at a time."""
