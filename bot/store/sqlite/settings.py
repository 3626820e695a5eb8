"""SQLite store, settings role: settings kept across restarts, and the charts' image bytes."""

from __future__ import annotations

from bot.store.sqlite.base import SQLiteBase, reading, serialised


class SQLiteSettings(SQLiteBase):
    """Settings and images, on the shared connection."""

    @reading
    async def setting(self, key: str) -> str | None:
        """Return a stored setting (e.g. whether announcements are paused)."""
        row = await self._read_one("SELECT value FROM settings WHERE key=?", (key,))
        return str(row[0]) if row else None

    @serialised
    async def set_setting(self, key: str, value: str) -> None:
        """Store a setting."""
        await self._db.execute(
            "INSERT INTO settings(key, value) VALUES (?,?) ON CONFLICT(key) DO UPDATE SET"
            " value=excluded.value",
            (key, value),
        )
        await self._db.commit()

    @reading
    async def settings(self, prefix: str) -> dict[str, str]:
        """Return every stored setting whose key starts with `prefix`."""
        rows = await self._read_all(
            "SELECT key, value FROM settings WHERE substr(key, 1, ?)=?", (len(prefix), prefix)
        )
        return {r[0]: r[1] for r in rows}

    @serialised
    async def image(self, key: str) -> bytes | None:
        """Return the bytes of a stored image (a chart sent with announcements)."""
        row = await self._one("SELECT data FROM images WHERE key=?", (key,))
        return bytes(row[0]) if row else None
