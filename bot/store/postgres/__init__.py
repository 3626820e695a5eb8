"""The PostgreSQL store (asyncpg): one database shared by several instances of Soirée.

One class per role over one shared pool (`base.py`); `PostgresStore` joins them. The same
semantics as the SQLite store (bot/store/sqlite/), held to by the same test suite.
"""

from __future__ import annotations

from bot.store.postgres.boards import PostgresBoards
from bot.store.postgres.chats import PostgresChats
from bot.store.postgres.lease import Lease, PostgresLease
from bot.store.postgres.ledger import PostgresLedger
from bot.store.postgres.outbox import PostgresOutbox
from bot.store.postgres.rows import PostgresRows
from bot.store.postgres.settings import PostgresSettings
from bot.store.postgres.snapshots import PostgresSnapshots

__all__ = ["Lease", "PostgresStore"]


class PostgresStore(
    PostgresLease,  # first: its fencing overrides the base's none
    PostgresSnapshots, PostgresLedger, PostgresChats, PostgresOutbox, PostgresBoards,
    PostgresSettings, PostgresRows,
):  # fmt: skip
    """Async PostgreSQL store: a pool of connections, used by many operations at once."""
