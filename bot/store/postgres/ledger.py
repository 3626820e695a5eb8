"""PostgreSQL store, ledger role: the facts already announced, and recording new ones."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.events import Event, admit, wanted
from bot.store.postgres.base import Connection, PostgresBase


class PostgresLedger(PostgresBase):
    """The events ledger."""

    async def unseen(self, events: Iterable[Event]) -> list[Event]:
        """Return the events the ledger has not seen, applying covers and retractions."""
        events = list(events)
        seen: set[str] = set()
        asked: set[str] = set()
        # A fact's generations are read one round each: rarely more than one.
        while keys := wanted(events, seen) - asked:
            asked |= keys
            sql = "SELECT key FROM ledger WHERE key = ANY($1::text[])"
            rows = await self._fetch(sql, list(keys))
            seen |= {r[0] for r in rows}
        return admit(events, seen)

    async def ledger(self) -> list[tuple[str, str]]:
        """Return (key, kind) of every recorded fact, oldest first."""
        rows = await self._fetch("SELECT key, kind FROM ledger ORDER BY seq")
        return [(r[0], r[1]) for r in rows]


async def record_events(conn: Connection, events: Sequence[Event], now: datetime) -> None:
    """Record events and the keys they cover in the ledger, inside the caller's transaction."""
    rows: list[tuple[str, str, str, datetime, str | None]] = []
    for e in events:
        rows.append((e.key, e.kind, e.race.id, e.at, None))
        rows.extend((k, "covered", e.race.id, e.at, e.key) for k in e.covers)
    if not rows:
        return
    keys, kinds, races, times, covers = (list(column) for column in zip(*rows, strict=True))
    await conn.execute(
        "INSERT INTO ledger(key, kind, race, data_time, recorded_at, covered_by)"
        " SELECT k, t, r, d, $6, c FROM unnest($1::text[], $2::text[], $3::text[],"
        " $4::timestamptz[], $5::text[]) WITH ORDINALITY AS e(k, t, r, d, c, n) ORDER BY n"
        " ON CONFLICT (key) DO NOTHING",
        keys, kinds, races, times, covers, now,
    )  # fmt: skip
