"""PostgreSQL store, snapshots role: feed versions, baselines, the races served, a cycle's
write, the versions set aside."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from bot.lookup import RaceRef
from bot.models import Snapshot
from bot.store.codec import race_from_json, race_to_json, snapshot_from_json, snapshot_to_json
from bot.store.postgres.base import Connection, PostgresBase
from bot.store.postgres.ledger import record_events
from bot.store.postgres.outbox import insert_deliveries
from bot.store.records import Cycle, Delivery, RejectedVersion, StoredRace, StoredVersion
from bot.worker import off_loop

# Names sort as SQLite sorts them (by code point), whatever the database's collation.
_BY_NAME = 'ORDER BY name COLLATE "C", id COLLATE "C"'


class PostgresSnapshots(PostgresBase):
    """Feed versions and the races they serve."""

    async def latest_version(self, source: str) -> datetime | None:
        """Return the data time of the newest snapshot stored for a source."""
        row = await self._fetchrow("SELECT max(updated_at) FROM snapshots WHERE source=$1", source)
        return row[0] if row else None

    async def stored_version(self, source: str, sha256: str) -> datetime | None:
        """Return the data time of a source's version stored with these bytes, by the
        SHA-256 of its raw bytes (the newest, if several were); None when none was."""
        row = await self._fetchrow(
            "SELECT max(updated_at) FROM snapshots WHERE source=$1 AND sha256=$2", source, sha256
        )  # the unique (source, sha256, fetched_at) index serves it
        return row[0] if row else None

    async def baseline(self, source: str) -> Snapshot | None:
        """Return the last good state of a source's races, the diff's `prev`."""
        row = await self._fetchrow("SELECT data FROM baselines WHERE source=$1", source)
        # Decoding a large baseline takes seconds: off the loop, as encoding it does.
        return await off_loop(snapshot_from_json, row[0]) if row else None

    async def latest_race(self, race_id: str) -> StoredRace | None:
        """Return the newest stored version of a race."""
        row = await self._fetchrow("SELECT * FROM races WHERE id=$1", race_id)
        return _stored_race(row) if row else None

    async def race_index(self) -> list[RaceRef]:
        """Return id, name, level and code of every race, by name (no figures decoded)."""
        rows = await self._fetch(f"SELECT id, name, level, code FROM races {_BY_NAME}")
        return [RaceRef(id=r[0], name=r[1], level=r[2], code=r[3]) for r in rows]

    async def races(self) -> list[StoredRace]:
        """Return the newest version of every race, by name."""
        return [_stored_race(r) for r in await self._fetch(f"SELECT * FROM races {_BY_NAME}")]

    async def served_elsewhere(
        self, source: str, race_ids: Sequence[str], since: datetime
    ) -> list[StoredRace]:
        """Return those of these races served from another source, with a data time at
        `since` or later (a version's races that another source serves as new or newer)."""
        rows = await self._fetch(
            "SELECT * FROM races WHERE id = ANY($1::text[]) AND source <> $2 AND updated_at >= $3"
            ' ORDER BY id COLLATE "C"',
            list(race_ids), source, since,
        )  # fmt: skip
        return [_stored_race(r) for r in rows]

    async def raw_snapshots(self, source: str) -> list[bytes]:
        """Return the archived raw bytes of a source's versions, oldest first."""
        rows = await self._fetch("SELECT raw FROM snapshots WHERE source=$1 ORDER BY id", source)
        return [bytes(r[0]) for r in rows]

    async def versions(self, source: str | None = None) -> list[StoredVersion]:
        """Return the versions a source recorded (every source's, when None), in the order
        they were recorded, without their bytes."""
        sql = "SELECT id, source, updated_at, fetched_at, sha256, octet_length(raw) FROM snapshots"
        rows = await (
            self._fetch(f"{sql} WHERE source=$1 ORDER BY id", source)
            if source is not None
            else self._fetch(f"{sql} ORDER BY id")
        )
        return [
            StoredVersion(
                id=r[0], source=r[1], updated_at=r[2], fetched_at=r[3], sha256=r[4], size=r[5]
            )
            for r in rows
        ]

    async def raw_version(self, version_id: int) -> bytes | None:
        """Return the raw bytes of a recorded version, by its id; None when there is none."""
        row = await self._fetchrow("SELECT raw FROM snapshots WHERE id=$1", version_id)
        return bytes(row[0]) if row else None

    async def commit_cycle(self, cycle: Cycle) -> None:
        """Write a version, its baseline, its events, images and deliveries atomically."""
        # Encoding a 35,000-race version took 7 s: in a worker, so that commands answer.
        snapshot, baseline, races = await off_loop(_encoded, cycle)
        now = cycle.fetched_at

        async def work(conn: Connection) -> None:
            await self._fence(conn)
            await conn.execute(
                "INSERT INTO snapshots(source, updated_at, fetched_at, sha256, raw, data)"
                " VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (source, sha256, fetched_at) DO NOTHING",
                cycle.source, cycle.snapshot.updated_at, now, cycle.sha256, cycle.raw, snapshot,
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO baselines(source, data) VALUES ($1,$2)"
                " ON CONFLICT (source) DO UPDATE SET data=excluded.data",
                cycle.source, baseline,
            )  # fmt: skip
            # A race's figures are replaced by a newer data time only, from any source: a
            # source behind another never takes the night back. A flagged version does not
            # replace the figures served either: the last good ones stay (with their
            # source), marked as having a newer version held back (unless nothing is older).
            await conn.execute(
                "INSERT INTO races SELECT * FROM unnest($1::text[], $2::text[], $3::text[],"
                " $4::text[], $5::text[], $6::timestamptz[], $7::boolean[], $8::text[])"
                " ON CONFLICT (id) DO UPDATE SET"
                " source=CASE WHEN excluded.flagged THEN races.source ELSE excluded.source END,"
                " name=excluded.name, level=excluded.level, code=excluded.code,"
                " updated_at=CASE WHEN excluded.flagged THEN"
                " races.updated_at ELSE excluded.updated_at END, flagged=excluded.flagged,"
                " data=CASE WHEN excluded.flagged THEN races.data ELSE excluded.data END"
                " WHERE excluded.updated_at > races.updated_at",
                *races,
            )
            await record_events(conn, cycle.events, now)
            images = {i.key: i.data for i in reversed(cycle.images) if i.data is not None}
            await conn.execute(
                "INSERT INTO images SELECT k, d, $3 FROM unnest($1::text[], $2::bytea[]) AS i(k, d)"
                " ON CONFLICT (key) DO NOTHING",
                list(images), list(images.values()), now,
            )  # fmt: skip
            await insert_deliveries(conn, cycle.deliveries, now)

        await self._run(work)

    async def reject_version(self, version: RejectedVersion, notices: Sequence[Delivery]) -> bool:
        """Keep a version set aside with its error and queue its notices, atomically; return
        False, queueing nothing, when this source's version was set aside already."""

        async def work(conn: Connection) -> bool:
            kept = await conn.fetchval(
                "INSERT INTO rejected_versions(source, sha256, origin, error, attempts,"
                " rejected_at, raw) VALUES ($1,$2,$3,$4,$5,$6,$7)"
                " ON CONFLICT (source, sha256) DO NOTHING RETURNING id",
                version.source, version.sha256, version.origin, version.error,
                version.attempts, version.rejected_at, version.raw,
            )  # fmt: skip
            if kept is not None:
                await insert_deliveries(conn, notices, version.rejected_at)
            return kept is not None

        return await self._run(work)

    async def rejected_version(self, source: str, sha256: str) -> RejectedVersion | None:
        """Return a source's version set aside, by the SHA-256 of its bytes, if it was."""
        row = await self._fetchrow(
            "SELECT * FROM rejected_versions WHERE source=$1 AND sha256=$2", source, sha256
        )
        return _rejected(row) if row else None

    async def rejected_versions(self, source: str | None = None) -> list[RejectedVersion]:
        """Return the versions set aside (of one source, or all), oldest first."""
        rows = await self._fetch(
            "SELECT * FROM rejected_versions WHERE $1::text IS NULL OR source=$1 ORDER BY id",
            source,
        )
        return [_rejected(r) for r in rows]


def _encoded(cycle: Cycle) -> tuple[str, str, list[list[Any]]]:
    """Return a cycle's snapshot and baseline as JSON, and its races as columns (a race
    listed twice keeps its first figures, as SQLite's row-by-row upsert does)."""
    seen: dict[str, None] = {}
    columns: list[list[Any]] = [[] for _ in range(8)]
    stamp = cycle.snapshot.updated_at
    for race in cycle.snapshot.races:
        if race.id in seen:
            continue
        seen[race.id] = None
        row = (race.id, cycle.source, race.name, race.level, race.code, stamp,
               race.id in cycle.flagged_races, race_to_json(race))  # fmt: skip
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    return snapshot_to_json(cycle.snapshot), snapshot_to_json(cycle.baseline), columns


def _rejected(row: asyncpg.Record) -> RejectedVersion:
    return RejectedVersion(
        source=row["source"],
        sha256=row["sha256"],
        origin=row["origin"],
        error=row["error"],
        attempts=row["attempts"],
        rejected_at=row["rejected_at"],
        raw=bytes(row["raw"]),
    )


def _stored_race(row: asyncpg.Record) -> StoredRace:
    return StoredRace(
        race=race_from_json(row["data"]),
        updated_at=row["updated_at"],
        source=row["source"],
        flagged=row["flagged"],
    )
