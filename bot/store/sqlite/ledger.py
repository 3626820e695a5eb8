"""SQLite store, ledger role: the facts already announced, and recording new ones."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import aiosqlite

from bot.events import Event, admit, wanted
from bot.store.sqlite.base import SQLiteBase, serialised, ts

# SQLite allows at most 999 parameters in one statement (on older builds): ask in chunks.
_CHUNK = 500


class SQLiteLedger(SQLiteBase):
    """The events ledger, on the shared connection."""

    @serialised
    async def unseen(self, events: Iterable[Event]) -> list[Event]:
        """Return the events the ledger has not seen, applying covers and retractions."""
        events = list(events)
        seen: set[str] = set()
        asked: set[str] = set()
        # A fact's generations are read one round each: rarely more than one.
        while keys := wanted(events, seen) - asked:
            asked |= keys
            seen |= await self._seen(keys)
        return admit(events, seen)

    async def _seen(self, keys: set[str]) -> set[str]:
        listed = list(keys)
        found: set[str] = set()
        for i in range(0, len(listed), _CHUNK):
            chunk = listed[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = await self._all(f"SELECT key FROM ledger WHERE key IN ({marks})", chunk)
            found.update(r[0] for r in rows)
        return found

    @serialised
    async def ledger(self) -> list[tuple[str, str]]:
        """Return (key, kind) of every recorded fact, oldest first."""
        rows = await self._all("SELECT key, kind FROM ledger ORDER BY rowid")
        return [(r[0], r[1]) for r in rows]


async def record_events(db: aiosqlite.Connection, events: Sequence[Event], now: str) -> None:
    """Record events and the keys they cover in the ledger, inside the caller's transaction."""
    rows: list[tuple[str, str, str, str, str, str | None]] = []
    for e in events:
        stamp = ts(e.at)
        rows.append((e.key, e.kind, e.race.id, stamp, now, None))
        rows.extend((k, "covered", e.race.id, stamp, now, e.key) for k in e.covers)
    await db.executemany("INSERT OR IGNORE INTO ledger VALUES (?,?,?,?,?,?)", rows)
