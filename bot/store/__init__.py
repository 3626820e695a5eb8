"""The store: its interface, its records, and `open_store`, the one place a backend is chosen.

Snapshots, the events ledger, subscriptions, the outbox, live boards and settings. Callers
depend on `Store` (or one of its roles), never on a backend.
"""

from __future__ import annotations

from bot.store.interface import (
    LedgerStore,
    LiveBoardStore,
    OutboxStore,
    SettingStore,
    SnapshotStore,
    Store,
    SubscriptionStore,
)
from bot.store.records import Cycle, Delivery, LiveBoard, StoredRace, Subscription
from bot.store.sqlite import SQLiteStore

__all__ = [
    "Cycle",
    "Delivery",
    "LedgerStore",
    "LiveBoard",
    "LiveBoardStore",
    "OutboxStore",
    "SettingStore",
    "SnapshotStore",
    "Store",
    "StoredRace",
    "Subscription",
    "SubscriptionStore",
    "open_store",
]


async def open_store(where: str) -> Store:
    """Open (creating and migrating) the store at `where`: a SQLite path or ":memory:"."""
    return await SQLiteStore.open(where)
