"""PostgreSQL store, settings role: settings kept across restarts, and the charts' images."""

from __future__ import annotations

from bot.store.postgres.base import PostgresBase


class PostgresSettings(PostgresBase):
    """Settings and images."""

    async def setting(self, key: str) -> str | None:
        """Return a stored setting (e.g. whether announcements are paused)."""
        row = await self._fetchrow("SELECT value FROM settings WHERE key=$1", key)
        return str(row[0]) if row else None

    async def set_setting(self, key: str, value: str) -> None:
        """Store a setting."""
        await self._execute(
            "INSERT INTO settings(key, value) VALUES ($1,$2)"
            " ON CONFLICT (key) DO UPDATE SET value=excluded.value",
            key, value,
        )  # fmt: skip

    async def settings(self, prefix: str) -> dict[str, str]:
        """Return every stored setting whose key starts with `prefix`."""
        rows = await self._fetch(
            "SELECT key, value FROM settings WHERE left(key, length($1))=$1", prefix
        )
        return {r[0]: r[1] for r in rows}

    async def image(self, key: str) -> bytes | None:
        """Return the bytes of a stored image (a chart sent with announcements)."""
        row = await self._fetchrow("SELECT data FROM images WHERE key=$1", key)
        return bytes(row[0]) if row else None
