"""SQLite store, snapshots role: feed versions, baselines, the races served, a cycle's write."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.lookup import RaceRef
from bot.models import Race, Snapshot
from bot.store.codec import race_from_json, race_to_json, snapshot_from_json, snapshot_to_json
from bot.store.records import Cycle, StoredRace
from bot.store.sqlite.base import SQLiteBase, serialised, ts
from bot.store.sqlite.ledger import record_events
from bot.store.sqlite.outbox import insert_deliveries


class SQLiteSnapshots(SQLiteBase):
    """Feed versions and the races they serve, on the shared connection."""

    @serialised
    async def latest_version(self, source: str) -> datetime | None:
        """Return the data time of the newest snapshot stored for a source."""
        row = await self._one("SELECT max(updated_at) FROM snapshots WHERE source=?", (source,))
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    @serialised
    async def baseline(self, source: str) -> Snapshot | None:
        """Return the last good state of a source's races, the diff's `prev`."""
        row = await self._one("SELECT data FROM baselines WHERE source=?", (source,))
        return snapshot_from_json(row[0]) if row else None

    @serialised
    async def latest_race(self, race_id: str) -> StoredRace | None:
        """Return the newest stored version of a race."""
        row = await self._one("SELECT * FROM races WHERE id=?", (race_id,))
        return _stored_race(row) if row else None

    @serialised
    async def race_index(self) -> list[RaceRef]:
        """Return id, name, level and code of every race, by name (no figures decoded)."""
        rows = await self._all("SELECT id, name, level, code FROM races ORDER BY name, id")
        return [RaceRef(id=r[0], name=r[1], level=r[2], code=r[3]) for r in rows]

    @serialised
    async def races(self) -> list[StoredRace]:
        """Return the newest version of every race, by name."""
        return [_stored_race(r) for r in await self._all("SELECT * FROM races ORDER BY name")]

    @serialised
    async def raw_snapshots(self, source: str) -> list[bytes]:
        """Return the archived raw bytes of a source's versions, oldest first."""
        rows = await self._all("SELECT raw FROM snapshots WHERE source=? ORDER BY id", (source,))
        return [bytes(r[0]) for r in rows]

    @serialised
    async def commit_cycle(self, cycle: Cycle) -> None:
        """Write a version, its baseline, its events, images and deliveries atomically."""
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
            await record_events(db, cycle.events, now)
            await db.executemany(
                "INSERT OR IGNORE INTO images VALUES (?,?,?)",
                [(i.key, i.data, now) for i in cycle.images if i.data is not None],
            )
            await insert_deliveries(db, cycle.deliveries, now)
            await db.commit()
        except BaseException:
            await db.rollback()
            raise


def _race_row(cycle: Cycle, race: Race) -> tuple[Any, ...]:
    return (
        race.id,
        cycle.source,
        race.name,
        race.level,
        race.code,
        ts(cycle.snapshot.updated_at),
        int(race.id in cycle.flagged_races),
        race_to_json(race),
    )


def _stored_race(row: aiosqlite.Row) -> StoredRace:
    return StoredRace(
        race=race_from_json(row["data"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        source=row["source"],
        flagged=bool(row["flagged"]),
    )
