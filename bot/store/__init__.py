"""The store: its interface, its records, and `store_at`, the one place a backend is chosen.

Snapshots, the events ledger, subscriptions, the outbox, live boards and settings. Callers
depend on `Store` (or one of its roles), never on a backend: a store that cannot write (or
open) raises StoreUnavailable, whatever the backend's own error.
"""

from __future__ import annotations

from bot.store.errors import StoreUnavailable
from bot.store.interface import (
    LedgerStore,
    LiveBoardStore,
    OutboxStore,
    SettingStore,
    SnapshotStore,
    Store,
    SubscriptionStore,
)
from bot.store.records import (
    Cycle,
    Delivery,
    LiveBoard,
    RejectedVersion,
    StoredRace,
    StoredVersion,
    Subscription,
)
from bot.store.sqlite import SQLiteStore

__all__ = [
    "Cycle",
    "Delivery",
    "LedgerStore",
    "LiveBoard",
    "LiveBoardStore",
    "OutboxStore",
    "RejectedVersion",
    "SettingStore",
    "SnapshotStore",
    "Store",
    "StoreUnavailable",
    "StoredRace",
    "StoredVersion",
    "Subscription",
    "SubscriptionStore",
    "is_postgres",
    "open_store",
    "store_at",
]


POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(where: str) -> bool:
    """Say whether `where` names a PostgreSQL database (a postgresql:// URL)."""
    return where.startswith(POSTGRES_SCHEMES)


def store_at(where: str) -> Store:
    """Return the store at `where`, not yet opened: a postgresql:// URL, else a SQLite path
    or ":memory:". The PostgreSQL backend (asyncpg) is imported only for a URL."""
    if is_postgres(where):
        from bot.store.postgres import PostgresStore

        return PostgresStore(where)
    return SQLiteStore(where)


async def open_store(where: str) -> Store:
    """Open (creating and migrating) the store at `where`: a postgresql:// URL, a SQLite
    path or ":memory:"."""
    store = store_at(where)
    await store.open()
    return store
