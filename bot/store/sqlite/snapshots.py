"""SQLite store, snapshots role: feed versions, baselines, the races served, a cycle's write,
the versions set aside."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.lookup import RaceRef
from bot.models import Race, Snapshot
from bot.store.codec import race_from_json, race_to_json, snapshot_from_json, snapshot_to_json
from bot.store.records import Cycle, Delivery, RejectedVersion, StoredRace, StoredVersion
from bot.store.sqlite.base import SQLiteBase, reading, serialised, ts
from bot.store.sqlite.ledger import record_events
from bot.store.sqlite.outbox import insert_deliveries
from bot.worker import off_loop

# SQLite allows at most 999 parameters in one statement (on older builds): ask in chunks.
_CHUNK = 500
# What says the race index changed: a version recorded, or a race added by `store copy`.
_INDEX_MARK = "SELECT (SELECT max(id) FROM snapshots), (SELECT max(rowid) FROM races)"


class SQLiteSnapshots(SQLiteBase):
    """Feed versions and the races they serve, on the shared connection."""

    _index: tuple[tuple[Any, ...], list[RaceRef]] | None = None  # race_index, by _INDEX_MARK

    @serialised
    async def latest_version(self, source: str) -> datetime | None:
        """Return the data time of the newest snapshot stored for a source."""
        row = await self._one("SELECT max(updated_at) FROM snapshots WHERE source=?", (source,))
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    @serialised
    async def stored_version(self, source: str, sha256: str) -> datetime | None:
        """Return the data time of a source's version stored with these bytes, by the
        SHA-256 of its raw bytes (the newest, if several were); None when none was."""
        row = await self._one(
            "SELECT max(updated_at) FROM snapshots WHERE source=? AND sha256=?", (source, sha256)
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def baseline(self, source: str) -> Snapshot | None:
        """Return the last good state of a source's races, the diff's `prev`."""
        text = await self._baseline_text(source)
        # Decoding a large baseline takes seconds: off the loop, as encoding it does, and
        # after the connection is free (the commands waited on it seconds).
        return await off_loop(snapshot_from_json, text) if text is not None else None

    @serialised
    async def _baseline_text(self, source: str) -> str | None:
        row = await self._one("SELECT data FROM baselines WHERE source=?", (source,))
        return str(row[0]) if row else None

    @reading
    async def latest_race(self, race_id: str) -> StoredRace | None:
        """Return the newest stored version of a race."""
        row = await self._read_one("SELECT * FROM races WHERE id=?", (race_id,))
        return _stored_race(row) if row else None

    @reading
    async def race_index(self) -> list[RaceRef]:
        """Return id, name, level and code of every race, by name (no figures decoded).

        Kept while no version is recorded and no race added (the newest ids say so, from
        any process): reading 35,000 of them took every command 200 ms to a second."""
        mark = tuple(await self._read_one(_INDEX_MARK) or ())
        if self._index is None or self._index[0] != mark:
            rows = await self._read_all("SELECT id, name, level, code FROM races ORDER BY name, id")
            refs = [RaceRef(id=r[0], name=r[1], level=r[2], code=r[3]) for r in rows]
            self._index = (mark, refs)
        return list(self._index[1])

    @reading
    async def races(self) -> list[StoredRace]:
        """Return the newest version of every race, by name."""
        return [_stored_race(r) for r in await self._read_all("SELECT * FROM races ORDER BY name")]

    @serialised
    async def served_elsewhere(
        self, source: str, race_ids: Sequence[str], since: datetime
    ) -> list[StoredRace]:
        """Return those of these races served from another source, with a data time at
        `since` or later (a version's races that another source serves as new or newer)."""
        found: list[StoredRace] = []
        ids = list(race_ids)
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            rows = await self._all(
                f"SELECT * FROM races WHERE id IN ({','.join('?' * len(chunk))})"
                " AND source != ? AND updated_at >= ? ORDER BY id",
                [*chunk, source, ts(since)],
            )
            found.extend(_stored_race(r) for r in rows)
        return found

    @serialised
    async def raw_snapshots(self, source: str) -> list[bytes]:
        """Return the archived raw bytes of a source's versions, oldest first."""
        rows = await self._all("SELECT raw FROM snapshots WHERE source=? ORDER BY id", (source,))
        return [bytes(r[0]) for r in rows]

    @serialised
    async def versions(self, source: str | None = None) -> list[StoredVersion]:
        """Return the versions a source recorded (every source's, when None), in the order
        they were recorded, without their bytes."""
        where, params = ("WHERE source=?", (source,)) if source is not None else ("", ())
        rows = await self._all(
            "SELECT id, source, updated_at, fetched_at, sha256, length(raw) FROM snapshots"
            f" {where} ORDER BY id",
            params,
        )
        return [_stored_version(r) for r in rows]

    @serialised
    async def raw_version(self, version_id: int) -> bytes | None:
        """Return the raw bytes of a recorded version, by its id; None when there is none."""
        row = await self._one("SELECT raw FROM snapshots WHERE id=?", (version_id,))
        return bytes(row[0]) if row else None

    async def commit_cycle(self, cycle: Cycle) -> None:
        """Write a version, its baseline, its events, images and deliveries atomically."""
        # Encoding a 35,000-race version took 7 s: in a worker, so that commands answer, and
        # before the connection is taken (the commands' reads waited on it those 7 s).
        await self._write_cycle(cycle, *await off_loop(_encoded, cycle))

    @serialised
    async def _write_cycle(
        self, cycle: Cycle, snapshot: str, baseline: str, races: list[tuple[Any, ...]]
    ) -> None:
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
                    snapshot,
                ),
            )
            await db.execute(
                "INSERT OR REPLACE INTO baselines(source, data) VALUES (?,?)",
                (cycle.source, baseline),
            )
            # A race's figures are replaced by a newer data time only, from any source: a
            # source behind another never takes the night back. A flagged version does not
            # replace the figures served either: the last good ones stay (with their
            # source), marked as having a newer version held back (unless nothing is older).
            await db.executemany(
                "INSERT INTO races VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
                " source=CASE WHEN excluded.flagged THEN races.source ELSE excluded.source END,"
                " name=excluded.name, level=excluded.level, code=excluded.code,"
                " updated_at=CASE WHEN excluded.flagged THEN"
                " races.updated_at ELSE excluded.updated_at END, flagged=excluded.flagged,"
                " data=CASE WHEN excluded.flagged THEN races.data ELSE excluded.data END"
                " WHERE excluded.updated_at > races.updated_at",
                races,
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

    @serialised
    async def reject_version(self, version: RejectedVersion, notices: Sequence[Delivery]) -> bool:
        """Keep a version set aside with its error and queue its notices, atomically; return
        False, queueing nothing, when this source's version was set aside already."""
        now, db = ts(version.rejected_at), self._db
        try:
            await db.execute("BEGIN")
            cur = await db.execute(
                "INSERT OR IGNORE INTO rejected_versions(source, sha256, origin, error,"
                " attempts, rejected_at, raw) VALUES (?,?,?,?,?,?,?)",
                (version.source, version.sha256, version.origin, version.error,
                 version.attempts, now, version.raw),
            )  # fmt: skip
            new = cur.rowcount == 1
            if new:
                await insert_deliveries(db, notices, now)
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
        return new

    @serialised
    async def rejected_version(self, source: str, sha256: str) -> RejectedVersion | None:
        """Return a source's version set aside, by the SHA-256 of its bytes, if it was."""
        row = await self._one(
            "SELECT * FROM rejected_versions WHERE source=? AND sha256=?", (source, sha256)
        )
        return _rejected(row) if row else None

    @serialised
    async def rejected_versions(self, source: str | None = None) -> list[RejectedVersion]:
        """Return the versions set aside (of one source, or all), oldest first."""
        sql, params = "SELECT * FROM rejected_versions", list[str]()
        if source is not None:
            sql, params = sql + " WHERE source=?", [source]
        return [_rejected(r) for r in await self._all(sql + " ORDER BY id", params)]


def _rejected(row: aiosqlite.Row) -> RejectedVersion:
    return RejectedVersion(
        source=row["source"],
        sha256=row["sha256"],
        origin=row["origin"],
        error=row["error"],
        attempts=row["attempts"],
        rejected_at=datetime.fromisoformat(row["rejected_at"]),
        raw=bytes(row["raw"]),
    )


def _encoded(cycle: Cycle) -> tuple[str, str, list[tuple[Any, ...]]]:
    """Return a cycle's snapshot and baseline as JSON, and its races as rows."""
    rows = [_race_row(cycle, r) for r in cycle.snapshot.races]
    return snapshot_to_json(cycle.snapshot), snapshot_to_json(cycle.baseline), rows


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


def _stored_version(row: aiosqlite.Row) -> StoredVersion:
    return StoredVersion(
        id=row[0],
        source=row[1],
        updated_at=datetime.fromisoformat(row[2]),
        fetched_at=datetime.fromisoformat(row[3]),
        sha256=row[4],
        size=row[5],
    )
