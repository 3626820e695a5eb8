"""The PostgreSQL store's shared ground: an asyncpg pool, the schema's migrations, and what
PostgreSQL's errors mean for the callers (StoreUnavailable, never asyncpg)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot import logs
from bot.store.errors import StoreUnavailable
from bot.store.postgres.migrations import POSTGRES_MIGRATIONS

log = logging.getLogger("bot.store")

T = TypeVar("T")
Connection = asyncpg.Connection | PoolConnectionProxy
Work = Callable[[Connection], Awaitable[T]]

POOL_SIZE = 5  # per instance: the poller, the dispatcher, commands and live boards at once
CONNECT_TIMEOUT = 5.0  # seconds to wait for one connection (a host that never answers)
# Waits before trying again an operation whose connection failed (the database restarting, a
# connection cut): then the caller is told StoreUnavailable and tries later on its own.
BACKOFF = (0.1, 0.3, 0.9)
SETTINGS = {
    # A session frozen in a transaction (its process stopped) would hold its row locks, the
    # lease's among them, for ever: the server ends it past this (our transactions are
    # short and never wait on anything but the database).
    "idle_in_transaction_session_timeout": "5000",
    "application_name": "soiree",
}
_SCHEMA_LOCK = 0x50_1EE  # one instance migrates at a time (pg_advisory_xact_lock)


def unreachable(exc: BaseException) -> bool:
    """Say whether an error means the database cannot be reached just now (worth a retry)."""
    if isinstance(exc, asyncpg.exceptions.InternalClientError):
        return True  # a connection the server cut while idle: its protocol cannot go on
    if isinstance(exc, asyncpg.InterfaceError):
        return "closed" in str(exc)  # a pooled connection the server has cut
    return isinstance(
        exc,
        OSError
        | TimeoutError
        | asyncpg.PostgresConnectionError  # SQLSTATE class 08
        | asyncpg.exceptions.OperatorInterventionError  # 57P01 admin shutdown, 57P03...
        | asyncpg.exceptions.TooManyConnectionsError,
    )


def cannot_write(exc: BaseException) -> bool:
    """Say whether an error means the database takes no write now (full disk, read-only)."""
    return isinstance(
        exc,
        asyncpg.exceptions.InsufficientResourcesError  # 53100 disk full, 53200 out of memory
        | asyncpg.exceptions.ReadOnlySQLTransactionError,  # 25006: a standby, a read-only db
    )


def reason(exc: BaseException) -> str:
    """Return an error's text for a log line or a notice, any URL in it redacted."""
    return logs.redact_urls(str(exc) or type(exc).__name__)


def count_of(status: str) -> int:
    """Return the row count of a command status ("DELETE 3" → 3)."""
    return int(status.rsplit(" ", 1)[-1])


class PostgresBase:
    """A pool of connections to one database; the role mixins build on it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = logs.redact_url(url)  # what log lines and errors say
        logs.hide(logs.url_secrets(url))  # the password, wherever a line would show it
        self._pool: asyncpg.Pool | None = None
        # Who this store is, among the instances sharing the database: its claims on the
        # outbox and its lease are in this name.
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.claim_for = timedelta(seconds=10)  # how long a row handed out by due() is ours

    async def open(self) -> None:
        """Connect (with backoff), creating or migrating the schema; raise StoreUnavailable
        naming the database (its password hidden) when it cannot be reached."""
        for wait in (*BACKOFF, None):
            try:
                self._pool = await asyncpg.create_pool(
                    self.url, min_size=1, max_size=POOL_SIZE, timeout=CONNECT_TIMEOUT,
                    server_settings=SETTINGS,
                )  # fmt: skip
                break
            except Exception as exc:
                if not unreachable(exc) or wait is None:
                    cause = reason(exc)
                    raise StoreUnavailable(f"cannot open the store {self.where}: {cause}") from exc
                await asyncio.sleep(wait)
        await self._run(self._migrate)

    async def close(self) -> None:
        """Close the pool (nothing to do if it was never opened)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    async def _migrate(self, conn: Connection) -> None:
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _SCHEMA_LOCK)
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        version = await conn.fetchval("SELECT version FROM schema_version")
        if version is None:
            await conn.execute("INSERT INTO schema_version VALUES (0)")
            version = 0
        for number, script in enumerate(POSTGRES_MIGRATIONS[version:], start=version + 1):
            await conn.execute(script)
            await conn.execute("UPDATE schema_version SET version=$1", number)
            log.info("store schema migrated to version %d", number)

    async def _run(self, work: Work[T], *, transaction: bool = True) -> T:
        """Run `work` on a pooled connection, in a transaction: tried again with backoff
        when the connection fails, then StoreUnavailable (as when nothing can be written).
        Every write is idempotent, so a transaction tried again after its reply was lost
        writes nothing twice."""
        if self._pool is None:
            raise StoreUnavailable(f"the store {self.where} is not open")
        for wait in (*BACKOFF, None):
            try:
                async with self._pool.acquire() as conn:
                    try:
                        if not transaction:
                            return await work(conn)
                        async with conn.transaction():
                            return await work(conn)
                    except Exception as exc:
                        if unreachable(exc):  # the pool makes a new one, never reuses it
                            with contextlib.suppress(asyncpg.InterfaceError):  # released
                                conn.terminate()
                        raise
            except Exception as exc:
                if cannot_write(exc):
                    raise StoreUnavailable(reason(exc)) from exc
                if not unreachable(exc) or self._pool is None:
                    raise
                if wait is None:
                    raise StoreUnavailable(f"{self.where}: {reason(exc)}") from exc
                log.debug("store connection failed (%s): trying again", reason(exc))
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _fence(self, conn: Connection) -> None:
        """Refuse, inside the caller's transaction, a write by an instance that no longer
        leads (bot/store/postgres/lease.py); without a lease, there is nothing to check."""

    async def _fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async def work(conn: Connection) -> list[asyncpg.Record]:
            return list(await conn.fetch(sql, *args))

        return await self._run(work, transaction=False)

    async def _fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        async def work(conn: Connection) -> asyncpg.Record | None:
            return await conn.fetchrow(sql, *args)

        return await self._run(work, transaction=False)

    async def _execute(self, sql: str, *args: Any) -> str:
        async def work(conn: Connection) -> str:
            return await conn.execute(sql, *args)

        return await self._run(work, transaction=False)


def id_list(ids: int | Sequence[int]) -> list[int]:
    """Return one id or several as a list."""
    return [ids] if isinstance(ids, int) else list(ids)
