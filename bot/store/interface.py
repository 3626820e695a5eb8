"""The store's interface: every operation the rest of the bot uses, grouped by role.

`Store` is the whole of it; a component that needs one role may ask for that role alone.
A backend implements `Store` structurally (no base class to inherit): see `bot/store/sqlite/`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from bot.events import Event
from bot.lookup import RaceRef
from bot.models import Snapshot
from bot.store.records import (
    Cycle,
    Delivery,
    LiveBoard,
    RejectedVersion,
    StoredRace,
    StoredVersion,
    Subscription,
)


class SnapshotStore(Protocol):
    """Feed versions, each source's baseline and the races served; one cycle's atomic write;
    the versions set aside."""

    async def latest_version(self, source: str) -> datetime | None:
        """Return the data time of the newest snapshot stored for a source."""

    async def stored_version(self, source: str, sha256: str) -> datetime | None:
        """Return the data time of a source's version stored with these bytes, by the
        SHA-256 of its raw bytes (the newest, if several were); None when none was. A
        version equal to one stored but not the latest is a stale copy."""

    async def baseline(self, source: str) -> Snapshot | None:
        """Return the last good state of a source's races, the diff's `prev`."""

    async def latest_race(self, race_id: str) -> StoredRace | None:
        """Return the newest stored version of a race."""

    async def race_index(self) -> list[RaceRef]:
        """Return id, name, level and code of every race, by name (no figures decoded)."""

    async def races(self) -> list[StoredRace]:
        """Return the newest version of every race, by name."""

    async def served_elsewhere(
        self, source: str, race_ids: Sequence[str], since: datetime
    ) -> list[StoredRace]:
        """Return those of these races served from another source, with a data time at
        `since` or later (a version's races that another source serves as new or newer)."""

    async def raw_snapshots(self, source: str) -> list[bytes]:
        """Return the archived raw bytes of a source's versions, oldest first."""

    async def versions(self, source: str | None = None) -> list[StoredVersion]:
        """Return the versions a source recorded (every source's, when None), in the order
        they were recorded, without their bytes."""

    async def raw_version(self, version_id: int) -> bytes | None:
        """Return the raw bytes of a recorded version, by its id; None when there is none."""

    async def commit_cycle(self, cycle: Cycle) -> None:
        """Write a version, its baseline, its events, images and deliveries atomically."""

    async def reject_version(self, version: RejectedVersion, notices: Sequence[Delivery]) -> bool:
        """Keep a version set aside with its error and queue its notices, atomically; return
        False, queueing nothing, when this source's version was set aside already."""

    async def rejected_version(self, source: str, sha256: str) -> RejectedVersion | None:
        """Return a source's version set aside, by the SHA-256 of its bytes, if it was."""

    async def rejected_versions(self, source: str | None = None) -> list[RejectedVersion]:
        """Return the versions set aside (of one source, or all), oldest first."""


class LedgerStore(Protocol):
    """The facts already announced, so that none is announced twice, even after a restart."""

    async def unseen(self, events: Iterable[Event]) -> list[Event]:
        """Return the events the ledger has not seen, applying covers and retractions."""

    async def ledger(self) -> list[tuple[str, str]]:
        """Return (key, kind) of every recorded fact, oldest first."""


class SubscriptionStore(Protocol):
    """Which chats follow which races, in which locale; chats that left or moved."""

    async def subscribe(self, sub: Subscription) -> None:
        """Add or re-enable a subscription, updating its locale."""

    async def unsubscribe(self, platform: str, chat_id: str, race: str | None = None) -> int:
        """Remove a chat's subscription to a race (or all of them); return how many."""

    async def subscriptions(
        self, platform: str | None = None, chat_id: str | None = None, *, active: bool = True
    ) -> list[Subscription]:
        """Return subscriptions, optionally of one platform or one chat."""

    async def disable_chat(self, platform: str, chat_id: str, reason: str) -> None:
        """Stop sending to a chat that is gone, and drop what was queued for it."""

    async def move_chat(self, platform: str, old_id: str, new_id: str) -> None:
        """Point a chat's subscriptions, queued messages and live board at its new id."""


class OutboxStore(Protocol):
    """Messages due to chats: queued, handed out in order, marked sent, failed or retried."""

    async def enqueue(self, deliveries: Sequence[Delivery], now: datetime) -> None:
        """Queue messages outside a feed cycle (e.g. a manual announcement)."""

    async def due(
        self, now: datetime, limit: int = 500, platforms: Sequence[str] | None = None
    ) -> list[Delivery]:
        """Return pending deliveries whose time has come, oldest first, of these platforms."""

    async def pending_platforms(self) -> set[str]:
        """Return the platforms that have messages waiting."""

    async def next_due(self) -> datetime | None:
        """Return when the earliest pending delivery may be tried."""

    async def mark_sent(self, ids: int | Sequence[int], now: datetime) -> None:
        """Record that deliveries reached their chat."""

    async def mark_failed(self, ids: int | Sequence[int], error: str) -> None:
        """Record that the platform refused deliveries for good."""

    async def retry_later(
        self, ids: int | Sequence[int], when: datetime, error: str, *, count: bool
    ) -> None:
        """Put deliveries back in the queue until `when`."""

    async def outbox_counts(self) -> dict[str, int]:
        """Return the number of outbox rows per status."""

    async def pending_counts(self) -> dict[str, int]:
        """Return the number of messages waiting per platform (those with none are left out)."""

    async def sent(self, platform: str | None = None) -> list[tuple[str, str, str]]:
        """Return (event_key, platform, chat_id) of delivered messages, in order."""


class LiveBoardStore(Protocol):
    """Each chat's live scoreboard: the message edited in place and what it last showed."""

    async def live_boards(self) -> list[LiveBoard]:
        """Return every chat's live scoreboard."""

    async def live_board(self, platform: str, chat_id: str) -> LiveBoard | None:
        """Return a chat's live scoreboard, if it has one."""

    async def save_live_board(self, board: LiveBoard) -> None:
        """Create or update a chat's live scoreboard."""

    async def drop_live_board(self, platform: str, chat_id: str) -> LiveBoard | None:
        """Forget a chat's live scoreboard; return it, if there was one."""


class SettingStore(Protocol):
    """Settings kept across restarts (pause, chart choices) and the charts' image bytes."""

    async def setting(self, key: str) -> str | None:
        """Return a stored setting (e.g. whether announcements are paused)."""

    async def set_setting(self, key: str, value: str) -> None:
        """Store a setting."""

    async def settings(self, prefix: str) -> dict[str, str]:
        """Return every stored setting whose key starts with `prefix`."""

    async def image(self, key: str) -> bytes | None:
        """Return the bytes of a stored image (a chart sent with announcements)."""


class Store(
    SnapshotStore,
    LedgerStore,
    SubscriptionStore,
    OutboxStore,
    LiveBoardStore,
    SettingStore,
    Protocol,
):
    """The whole store: every role, opening it and closing it. A store is made unopened
    (bot.store.store_at); `open` comes once, before any other operation."""

    async def open(self) -> None:
        """Connect (a file, a pool), creating or migrating the schema."""

    async def close(self) -> None:
        """Close the store (its connection or pool)."""
