"""PostgreSQL store, the leader's lease: one row per lease name, taken with an upsert when it
is free or has run out, renewed by its owner, its epoch checked inside the transactions that
only the leader may commit (a version recorded, deliveries claimed): fencing.

As River's `river_leader` and Oban's `oban_peers` do: the database's clock decides expiry,
so the instances' clocks need not agree. SQLite needs none of it (one instance per file).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.store.errors import Fenced
from bot.store.postgres.base import Connection, PostgresBase

LEADER = "leader"

_ELECT = """
INSERT INTO leases(name, owner, epoch, expires_at)
VALUES ($1, $2, 1, clock_timestamp() + $3::interval)
ON CONFLICT (name) DO UPDATE SET
    epoch = CASE WHEN leases.owner = excluded.owner AND leases.expires_at > clock_timestamp()
        THEN leases.epoch ELSE leases.epoch + 1 END,
    owner = excluded.owner, expires_at = excluded.expires_at
WHERE leases.owner = excluded.owner OR leases.expires_at <= clock_timestamp()
RETURNING owner, epoch, expires_at
"""
_HELD = """
SELECT 1 FROM leases
WHERE name = $1 AND owner = $2 AND epoch = $3 AND expires_at > clock_timestamp()
FOR SHARE
"""


@dataclass(frozen=True, kw_only=True, slots=True)
class Lease:
    """Who leads, under which epoch, until when (the database's time); whether it is us,
    and until when we may act as leader by our own monotonic clock (never past the lease)."""

    owner: str | None
    epoch: int
    expires_at: datetime | None
    mine: bool
    act_until: float = 0.0  # time.monotonic() past which a leader stops polling and sending
    ends_in: float | None = None  # seconds until another's lease ends, in the database's clock


class PostgresLease(PostgresBase):
    """The leader's lease, and the fencing of the leader's writes."""

    leased = False  # once elect() was called, the leader's writes are fenced
    epoch: int | None = None  # the epoch of the lease this store holds, if it holds it

    async def elect(self, ttl: timedelta, name: str = LEADER) -> Lease:
        """Take the lease if it is free or ran out, or renew it if it is ours; return who
        leads. Ours, it holds for `ttl` from now in the database's clock; we act as leader
        for `ttl` from before the request by our own clock, which ends no later."""
        self.leased = True
        asked = time.monotonic()

        async def work(conn: Connection) -> Lease:
            row = await conn.fetchrow(_ELECT, name, self.owner, ttl)
            if row is not None and row["epoch"] != self.epoch:  # a new term: ours
                # What the last leader had claimed and not settled is ours to send: it
                # stopped acting before its lease ran out, and its claims are fenced.
                await conn.execute(
                    "UPDATE outbox SET claimed_by=NULL, claimed_until=NULL WHERE"
                    " status='pending' AND claimed_by IS NOT NULL AND claimed_by <> $1",
                    self.owner,
                )
            if row is not None:
                return Lease(owner=row["owner"], epoch=row["epoch"], expires_at=row["expires_at"],
                             mine=True, act_until=asked + ttl.total_seconds())  # fmt: skip
            held = await conn.fetchrow(
                "SELECT owner, epoch, expires_at, extract(epoch FROM expires_at -"
                " clock_timestamp()) AS ends_in FROM leases WHERE name=$1",
                name,
            )
            return Lease(owner=held["owner"] if held else None,
                         epoch=held["epoch"] if held else 0,
                         expires_at=held["expires_at"] if held else None, mine=False,
                         ends_in=float(held["ends_in"]) if held else None)  # fmt: skip

        try:
            lease = await self._run(work)
        except Exception:
            self.epoch = None
            raise
        self.epoch = lease.epoch if lease.mine else None
        return lease

    async def leader(self, name: str = LEADER) -> Lease:
        """Return who holds the lease now (owner None: nobody, or it ran out)."""
        row = await self._fetchrow(
            "SELECT owner, epoch, expires_at, expires_at > clock_timestamp() AS live"
            " FROM leases WHERE name=$1",
            name,
        )
        if row is None or not row["live"]:
            return Lease(owner=None, epoch=row["epoch"] if row else 0, expires_at=None,
                         mine=False)  # fmt: skip
        return Lease(owner=row["owner"], epoch=row["epoch"], expires_at=row["expires_at"],
                     mine=row["owner"] == self.owner and row["epoch"] == self.epoch)  # fmt: skip

    async def resign(self, name: str = LEADER) -> None:
        """Give the lease up, if it is ours (a clean stop): a standby takes it at once."""
        epoch, self.epoch = self.epoch, None
        if epoch is not None:
            await self._execute(
                "UPDATE leases SET expires_at=clock_timestamp()"  # the epoch goes on growing
                " WHERE name=$1 AND owner=$2 AND epoch=$3",
                name, self.owner, epoch,
            )  # fmt: skip

    async def _fence(self, conn: Connection) -> None:
        """Refuse the leader's write, inside its transaction, unless this store still holds
        the lease under its epoch (the lease row is held shared until the commit, so that
        no other instance takes it meanwhile)."""
        if not self.leased:
            return
        if self.epoch is None or not await conn.fetchval(_HELD, LEADER, self.owner, self.epoch):
            raise Fenced(f"{self.owner} no longer leads: the write was refused")

    async def _may_claim(self, conn: Connection) -> bool:
        """Say whether this store may claim deliveries: it leads, when there is a lease."""
        if not self.leased:
            return True
        return self.epoch is not None and bool(
            await conn.fetchval(_HELD, LEADER, self.owner, self.epoch)
        )
