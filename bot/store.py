"""The store: SQLite (aiosqlite) for snapshots, the events ledger, subscriptions and the outbox."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

import aiosqlite

from bot.codec import race_from_dict, race_to_dict, snapshot_from_json, snapshot_to_json
from bot.events import Event, admit
from bot.lookup import RaceRef
from bot.models import Race, Snapshot
from bot.render.message import Image, Message

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY, source TEXT NOT NULL, updated_at TEXT NOT NULL,
        fetched_at TEXT NOT NULL, sha256 TEXT NOT NULL, raw BLOB NOT NULL, data TEXT NOT NULL
    );
    CREATE INDEX snapshots_source ON snapshots(source, updated_at);
    CREATE TABLE baselines (source TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE races (
        id TEXT PRIMARY KEY, source TEXT NOT NULL, name TEXT NOT NULL, level TEXT NOT NULL,
        code TEXT, updated_at TEXT NOT NULL, flagged INTEGER NOT NULL, data TEXT NOT NULL
    );
    CREATE TABLE ledger (
        key TEXT PRIMARY KEY, kind TEXT NOT NULL, race TEXT NOT NULL,
        data_time TEXT NOT NULL, recorded_at TEXT NOT NULL, covered_by TEXT
    );
    CREATE TABLE subscriptions (
        platform TEXT NOT NULL, chat_id TEXT NOT NULL, race TEXT NOT NULL,
        locale TEXT NOT NULL, admin INTEGER NOT NULL DEFAULT 0,
        active INTEGER NOT NULL DEFAULT 1, disabled_reason TEXT,
        PRIMARY KEY (platform, chat_id, race)
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY, event_key TEXT NOT NULL, platform TEXT NOT NULL,
        chat_id TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0, not_before TEXT NOT NULL, created_at TEXT NOT NULL,
        sent_at TEXT, last_error TEXT, UNIQUE (event_key, platform, chat_id)
    );
    CREATE INDEX outbox_due ON outbox(status, not_before);
    CREATE INDEX outbox_chat ON outbox(platform, chat_id, status);
    """,
    """
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    """
    CREATE TABLE images (key TEXT PRIMARY KEY, data BLOB NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE live_boards (
        platform TEXT NOT NULL, chat_id TEXT NOT NULL, race TEXT NOT NULL,
        locale TEXT NOT NULL, message_id TEXT, shown TEXT, next_edit TEXT NOT NULL,
        PRIMARY KEY (platform, chat_id)
    );
    """,
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Subscription:
    """A chat that receives a race's announcements, in a locale."""

    platform: str
    chat_id: str
    race: str
    locale: str
    admin: bool = False
    active: bool = True


@dataclass(frozen=True, kw_only=True, slots=True)
class Delivery:
    """One message due to one chat; a row of the outbox."""

    id: int = 0
    event_key: str
    platform: str
    chat_id: str
    message: Message
    attempts: int = 0


@dataclass(frozen=True, kw_only=True, slots=True)
class LiveBoard:
    """A chat's live scoreboard: the message edited in place, and what it last showed."""

    platform: str
    chat_id: str
    race: str
    locale: str
    message_id: str | None = None  # None until posted (or after it was deleted)
    shown: str | None = None  # fingerprint of the text last posted or edited in
    next_edit: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class StoredRace:
    """The latest version of a race, with its data time and whether it was flagged."""

    race: Race
    updated_at: datetime
    source: str
    flagged: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class Cycle:
    """Everything one accepted feed version writes, committed in one transaction."""

    source: str
    snapshot: Snapshot
    raw: bytes
    sha256: str
    fetched_at: datetime
    baseline: Snapshot
    events: Sequence[Event]
    deliveries: Sequence[Delivery]
    flagged_races: frozenset[str]
    images: Sequence[Image] = ()


def _serialised(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Run a store method alone on the connection: transactions of the feed cycle, the
    outbox and the commands must never interleave on one SQLite connection."""

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        store = args[0]
        assert isinstance(store, Store)
        async with store._lock:
            return await method(*args, **kwargs)

    return wrapper


class Store:
    """Async SQLite store. One instance owns one connection, used by one operation at a time."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str) -> Store:
        """Open (creating and migrating) the database at `path` (":memory:" allowed)."""
        db = await aiosqlite.connect(path)
        db.row_factory = aiosqlite.Row
        if path != ":memory:":
            await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA synchronous=NORMAL")
        store = cls(db)
        await store._migrate()
        return store

    async def close(self) -> None:
        """Close the connection."""
        await self._db.close()

    async def _migrate(self) -> None:
        async with self._db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self._db.executescript(f"BEGIN; {script}; PRAGMA user_version={number}; COMMIT;")
            log.info("store schema migrated to version %d", number)

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self._db.execute(sql, params) as cur:
            return await cur.fetchone()

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self._db.execute(sql, params) as cur:
            return list(await cur.fetchall())

    # --- snapshots -------------------------------------------------------------------

    @_serialised
    async def latest_version(self, source: str) -> datetime | None:
        """Return the data time of the newest snapshot stored for a source."""
        row = await self._one("SELECT max(updated_at) FROM snapshots WHERE source=?", (source,))
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    @_serialised
    async def baseline(self, source: str) -> Snapshot | None:
        """Return the last good state of a source's races, the diff's `prev`."""
        row = await self._one("SELECT data FROM baselines WHERE source=?", (source,))
        return snapshot_from_json(row[0]) if row else None

    @_serialised
    async def latest_race(self, race_id: str) -> StoredRace | None:
        """Return the newest stored version of a race."""
        row = await self._one("SELECT * FROM races WHERE id=?", (race_id,))
        return _stored_race(row) if row else None

    @_serialised
    async def setting(self, key: str) -> str | None:
        """Return a stored setting (e.g. whether announcements are paused)."""
        row = await self._one("SELECT value FROM settings WHERE key=?", (key,))
        return str(row[0]) if row else None

    @_serialised
    async def set_setting(self, key: str, value: str) -> None:
        """Store a setting."""
        await self._db.execute(
            "INSERT INTO settings(key, value) VALUES (?,?) ON CONFLICT(key) DO UPDATE SET"
            " value=excluded.value",
            (key, value),
        )
        await self._db.commit()

    @_serialised
    async def settings(self, prefix: str) -> dict[str, str]:
        """Return every stored setting whose key starts with `prefix`."""
        rows = await self._all(
            "SELECT key, value FROM settings WHERE substr(key, 1, ?)=?", (len(prefix), prefix)
        )
        return {r[0]: r[1] for r in rows}

    @_serialised
    async def image(self, key: str) -> bytes | None:
        """Return the bytes of a stored image (a chart sent with announcements)."""
        row = await self._one("SELECT data FROM images WHERE key=?", (key,))
        return bytes(row[0]) if row else None

    # --- live scoreboards ----------------------------------------------------------------

    @_serialised
    async def live_boards(self) -> list[LiveBoard]:
        """Return every chat's live scoreboard."""
        return [_board(r) for r in await self._all("SELECT * FROM live_boards ORDER BY rowid")]

    @_serialised
    async def live_board(self, platform: str, chat_id: str) -> LiveBoard | None:
        """Return a chat's live scoreboard, if it has one."""
        return await self._live_board(platform, chat_id)

    async def _live_board(self, platform: str, chat_id: str) -> LiveBoard | None:
        row = await self._one(
            "SELECT * FROM live_boards WHERE platform=? AND chat_id=?", (platform, chat_id)
        )
        return _board(row) if row else None

    @_serialised
    async def save_live_board(self, board: LiveBoard) -> None:
        """Create or update a chat's live scoreboard."""
        await self._db.execute(
            "INSERT OR REPLACE INTO live_boards VALUES (?,?,?,?,?,?,?)",
            (board.platform, board.chat_id, board.race, board.locale, board.message_id,
             board.shown, ts(board.next_edit)),
        )  # fmt: skip
        await self._db.commit()

    @_serialised
    async def drop_live_board(self, platform: str, chat_id: str) -> LiveBoard | None:
        """Forget a chat's live scoreboard; return it, if there was one."""
        board = await self._live_board(platform, chat_id)
        await self._db.execute(
            "DELETE FROM live_boards WHERE platform=? AND chat_id=?", (platform, chat_id)
        )
        await self._db.commit()
        return board

    @_serialised
    async def is_admin_chat(self, platform: str, chat_id: str) -> bool:
        """Return True when the chat is one of the admin chats."""
        row = await self._one(
            "SELECT 1 FROM subscriptions WHERE platform=? AND chat_id=? AND admin=1 AND active=1",
            (platform, chat_id),
        )
        return row is not None

    @_serialised
    async def race_index(self) -> list[RaceRef]:
        """Return id, name, level and code of every race, by name (no figures decoded)."""
        rows = await self._all("SELECT id, name, level, code FROM races ORDER BY name, id")
        return [RaceRef(id=r[0], name=r[1], level=r[2], code=r[3]) for r in rows]

    @_serialised
    async def races(self) -> list[StoredRace]:
        """Return the newest version of every race, by name."""
        return [_stored_race(r) for r in await self._all("SELECT * FROM races ORDER BY name")]

    @_serialised
    async def raw_snapshots(self, source: str) -> list[bytes]:
        """Return the archived raw bytes of a source's versions, oldest first."""
        rows = await self._all("SELECT raw FROM snapshots WHERE source=? ORDER BY id", (source,))
        return [bytes(r[0]) for r in rows]

    @_serialised
    async def unseen(self, events: Iterable[Event]) -> list[Event]:
        """Return the events the ledger has not seen, applying covers and retractions."""
        events = list(events)
        keys = {e.key for e in events} | {_retracts(e) for e in events}
        keys.update(k for e in events for k in e.covers)
        seen = await self._seen(keys)
        return admit(events, seen)

    async def _seen(self, keys: set[str | None]) -> set[str]:
        wanted = [k for k in keys if k]
        found: set[str] = set()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = await self._all(f"SELECT key FROM ledger WHERE key IN ({marks})", chunk)
            found.update(r[0] for r in rows)
        return found

    @_serialised
    async def commit_cycle(self, cycle: Cycle) -> None:
        """Write a version, its baseline, its events and their deliveries atomically."""
        now = ts(cycle.fetched_at)
        db = self._db
        try:
            await db.execute("BEGIN")
            await db.execute(
                "INSERT INTO snapshots(source, updated_at, fetched_at, sha256, raw, data)"
                " VALUES (?,?,?,?,?,?)",
                (
                    cycle.source,
                    ts(cycle.snapshot.updated_at),
                    now,
                    cycle.sha256,
                    cycle.raw,
                    snapshot_to_json(cycle.snapshot),
                ),
            )
            await db.execute(
                "INSERT OR REPLACE INTO baselines(source, data) VALUES (?,?)",
                (cycle.source, snapshot_to_json(cycle.baseline)),
            )
            # A flagged version does not replace the figures served: the last good ones stay,
            # marked as having a newer version held back (unless there is nothing older).
            await db.executemany(
                "INSERT INTO races VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
                " source=excluded.source, name=excluded.name, level=excluded.level,"
                " code=excluded.code, updated_at=CASE WHEN excluded.flagged THEN"
                " races.updated_at ELSE excluded.updated_at END, flagged=excluded.flagged,"
                " data=CASE WHEN excluded.flagged THEN races.data ELSE excluded.data END",
                [_race_row(cycle, r) for r in cycle.snapshot.races],
            )
            await self._record(cycle.events, now)
            await db.executemany(
                "INSERT OR IGNORE INTO images VALUES (?,?,?)",
                [(i.key, i.data, now) for i in cycle.images if i.data is not None],
            )
            await self._enqueue(cycle.deliveries, now)
            await db.commit()
        except BaseException:
            await db.rollback()
            raise

    async def _record(self, events: Sequence[Event], now: str) -> None:
        rows: list[tuple[str, str, str, str, str, str | None]] = []
        for e in events:
            stamp = ts(e.at)
            rows.append((e.key, e.kind, e.race.id, stamp, now, None))
            rows.extend((k, "covered", e.race.id, stamp, now, e.key) for k in e.covers)
        await self._db.executemany("INSERT OR IGNORE INTO ledger VALUES (?,?,?,?,?,?)", rows)

    @_serialised
    async def ledger(self) -> list[tuple[str, str]]:
        """Return (key, kind) of every recorded fact, oldest first."""
        rows = await self._all("SELECT key, kind FROM ledger ORDER BY rowid")
        return [(r[0], r[1]) for r in rows]

    # --- subscriptions -----------------------------------------------------------------

    @_serialised
    async def subscribe(self, sub: Subscription) -> None:
        """Add or re-enable a subscription, updating its locale and admin flag."""
        await self._db.execute(
            "INSERT INTO subscriptions(platform, chat_id, race, locale, admin, active)"
            " VALUES (?,?,?,?,?,1) ON CONFLICT(platform, chat_id, race) DO UPDATE SET"
            " locale=excluded.locale, admin=max(admin, excluded.admin), active=1,"
            " disabled_reason=NULL",
            (sub.platform, sub.chat_id, sub.race, sub.locale, int(sub.admin)),
        )
        await self._db.commit()

    @_serialised
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

    @_serialised
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
        return [_subscription(r) for r in await self._all(sql + " ORDER BY rowid", params)]

    @_serialised
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

    @_serialised
    async def move_chat(self, platform: str, old_id: str, new_id: str) -> None:
        """Point a chat's subscriptions and queued messages at its new id."""
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

    # --- outbox ------------------------------------------------------------------------

    async def _enqueue(self, deliveries: Sequence[Delivery], now: str) -> None:
        await self._db.executemany(
            "INSERT OR IGNORE INTO outbox(event_key, platform, chat_id, payload, not_before,"
            " created_at) VALUES (?,?,?,?,?,?)",
            [
                (d.event_key, d.platform, d.chat_id, d.message.to_json(), now, now)
                for d in deliveries
            ],
        )

    @_serialised
    async def enqueue(self, deliveries: Sequence[Delivery], now: datetime) -> None:
        """Queue messages outside a feed cycle (e.g. a manual announcement)."""
        await self._enqueue(deliveries, ts(now))
        await self._db.commit()

    @_serialised
    async def due(
        self, now: datetime, limit: int = 500, platforms: Sequence[str] | None = None
    ) -> list[Delivery]:
        """Return pending deliveries whose time has come, oldest first, of these platforms."""
        # A chat's messages go in order: one waiting for a retry holds back those after it.
        # The first waiting row of each chat is found once (a join, not a subquery per row,
        # which grew with the square of one chat's backlog: 5 s for 8,000 rows).
        stamp = ts(now)
        only, params = "", list(platforms or ())
        if platforms is not None:
            only = f" AND o.platform IN ({','.join('?' * len(platforms))})"
        rows = await self._all(
            "WITH held AS (SELECT platform, chat_id, min(id) AS first FROM outbox"
            " WHERE status='pending' AND not_before>? GROUP BY platform, chat_id)"
            " SELECT o.* FROM outbox o LEFT JOIN held h"
            " ON h.platform=o.platform AND h.chat_id=o.chat_id"
            " WHERE o.status='pending' AND o.not_before<=?" + only + " AND"
            " (h.first IS NULL OR o.id<h.first) ORDER BY o.id LIMIT ?",
            [stamp, stamp, *params, limit],
        )
        return [_delivery(r) for r in rows]

    @_serialised
    async def pending_platforms(self) -> set[str]:
        """Return the platforms that have messages waiting."""
        rows = await self._all("SELECT DISTINCT platform FROM outbox WHERE status='pending'")
        return {r[0] for r in rows}

    @_serialised
    async def next_due(self) -> datetime | None:
        """Return when the earliest pending delivery may be tried."""
        row = await self._one("SELECT min(not_before) FROM outbox WHERE status='pending'")
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    @_serialised
    async def mark_sent(self, ids: int | Sequence[int], now: datetime) -> None:
        """Record that deliveries reached their chat."""
        await self._db.executemany(
            "UPDATE outbox SET status='sent', sent_at=?, attempts=attempts+1 WHERE id=?",
            [(ts(now), i) for i in _ids(ids)],
        )
        await self._db.commit()

    @_serialised
    async def mark_failed(self, ids: int | Sequence[int], error: str) -> None:
        """Record that the platform refused deliveries for good."""
        await self._db.executemany(
            "UPDATE outbox SET status='failed', last_error=?, attempts=attempts+1 WHERE id=?",
            [(error[:500], i) for i in _ids(ids)],
        )
        await self._db.commit()

    @_serialised
    async def retry_later(
        self, ids: int | Sequence[int], when: datetime, error: str, *, count: bool
    ) -> None:
        """Put deliveries back in the queue until `when`."""
        await self._db.executemany(
            "UPDATE outbox SET not_before=?, last_error=?, attempts=attempts+? WHERE id=?",
            [(ts(when), error[:500], int(count), i) for i in _ids(ids)],
        )
        await self._db.commit()

    @_serialised
    async def outbox_counts(self) -> dict[str, int]:
        """Return the number of outbox rows per status."""
        rows = await self._all("SELECT status, count(*) FROM outbox GROUP BY status")
        return {r[0]: int(r[1]) for r in rows}

    @_serialised
    async def sent(self, platform: str | None = None) -> list[tuple[str, str, str]]:
        """Return (event_key, platform, chat_id) of delivered messages, in order."""
        sql = "SELECT event_key, platform, chat_id FROM outbox WHERE status='sent'"
        params: list[object] = []
        if platform:
            sql, params = sql + " AND platform=?", [platform]
        return [(r[0], r[1], r[2]) for r in await self._all(sql + " ORDER BY sent_at, id", params)]


def ts(moment: datetime) -> str:
    """Return a sortable text form of an aware datetime: UTC, always with microseconds."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _ids(ids: int | Sequence[int]) -> list[int]:
    return [ids] if isinstance(ids, int) else list(ids)


def _retracts(event: Event) -> str | None:
    return getattr(event, "retracts", None)


def _race_row(cycle: Cycle, race: Race) -> tuple[Any, ...]:
    return (
        race.id,
        cycle.source,
        race.name,
        race.level,
        race.code,
        ts(cycle.snapshot.updated_at),
        int(race.id in cycle.flagged_races),
        json.dumps(race_to_dict(race), ensure_ascii=False),
    )


def _stored_race(row: aiosqlite.Row) -> StoredRace:
    return StoredRace(
        race=race_from_dict(json.loads(row["data"])),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        source=row["source"],
        flagged=bool(row["flagged"]),
    )


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


def _subscription(row: aiosqlite.Row) -> Subscription:
    return Subscription(
        platform=row["platform"],
        chat_id=row["chat_id"],
        race=row["race"],
        locale=row["locale"],
        admin=bool(row["admin"]),
        active=bool(row["active"]),
    )


def _delivery(row: aiosqlite.Row) -> Delivery:
    return Delivery(
        id=row["id"],
        event_key=row["event_key"],
        platform=row["platform"],
        chat_id=row["chat_id"],
        message=Message.from_json(row["payload"]),
        attempts=row["attempts"],
    )
