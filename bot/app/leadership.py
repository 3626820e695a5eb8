"""Who leads among the instances sharing a PostgreSQL store: the lease is taken at start and
renewed every `renew` seconds; by its own clock, a leader stops acting `margin` seconds
before its lease would end, whether or not the database answered. A standby tries again as
the leader's lease ends. With SQLite the one instance (its lock file says so) always leads.

The store out of reach for longer than a lease is told to the admin chats once, by the
instance that leads once it answers again (`on_unreachable`); the others forget it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.app.options import utcnow
from bot.store import StoreUnavailable

if TYPE_CHECKING:
    from bot.store.postgres import Lease  # asyncpg's, loaded only for a PostgreSQL store

log = logging.getLogger("bot.app")  # the name its log lines have always had

Changed = Callable[[bool], Awaitable[None]]  # told True when this instance starts leading
AHEAD = 0.02  # seconds past the end of another's lease before a standby tries again


@dataclass(frozen=True, kw_only=True, slots=True)
class Unreachable:
    """The store out of this instance's reach: from when its first renewal that failed was
    asked to when the first one answered again (wall-clock times), and how long that was."""

    began: datetime
    ended: datetime
    seconds: float


Tell = Callable[[Unreachable], Awaitable[None]]  # the admin chats told (bot.outage)


class Electing(Protocol):
    """A store with a lease (bot/store/postgres/lease.py)."""

    owner: str

    async def elect(self, ttl: timedelta) -> Lease:
        """Take or renew the lease; return who leads."""
        ...

    async def resign(self) -> None:
        """Give the lease up, if ours."""
        ...


@dataclass(frozen=True, kw_only=True, slots=True)
class LeaseTimes:
    """The lease's length, how often it is renewed, and how long before its end a leader
    stops acting (time for a send under way to arrive before the lease ends)."""

    lease: float = 10.0
    renew: float = 3.0
    margin: float = 3.0


class Leadership:
    """Whether this instance leads, by its own monotonic clock; tells `on_change` when it
    starts or stops leading."""

    def __init__(
        self,
        store: Electing | None,
        times: LeaseTimes | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store, self.times, self.clock, self.now = store, times or LeaseTimes(), clock, now
        self.on_change: Changed | None = None  # the app's: schedule or unschedule its jobs
        self.wake: Callable[[], None] | None = None  # runs renew() now (a standby's turn)
        self.on_unreachable: Tell | None = None  # an outage longer than a lease, once over
        self.epoch: int | None = None  # of our lease, while we lead
        self.holder: str | None = None  # who leads, as last seen (None: nobody, or us)
        self._until = math.inf if store is None else 0.0  # we act until then (clock())
        self._told = store is None  # what on_change was last told
        self._down_since: float | None = None  # clock() when the first renewal that failed
        # was asked, until one answers: logged once, and told if it lasted longer than a lease
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def shared(self) -> bool:
        """Say whether there is a lease (PostgreSQL), rather than one instance per file."""
        return self.store is not None

    def leading(self) -> bool:
        """Say whether this instance may poll and send now, by its own clock."""
        return self.clock() < self._until

    def describe(self) -> str:
        """Say who leads, as the logs and /status say it."""
        if self.leading():
            return "this instance leads" if self.epoch is None else (
                f"this instance leads (epoch {self.epoch})"
            )  # fmt: skip
        return f"standby; {self.holder or 'nobody'} leads"

    async def start(self) -> bool:
        """Try to take the lease (nothing to do without one); return whether we lead."""
        if self.store is None:
            return True
        await self.renew()
        if not self.leading():
            log.info("%s", self.describe())
        return self.leading()

    async def renew(self) -> None:
        """Take or renew the lease (the job run every `renew` seconds), then act on it."""
        if self.store is None:
            return
        asked = self.clock()
        try:
            lease = await self.store.elect(timedelta(seconds=self.times.lease))
        except StoreUnavailable as exc:  # the database out of reach: our clock decides
            if self._down_since is None:
                self._down_since = asked
                log.warning("the lease could not be renewed (%s); %s", exc, self._left())
            await self._settle()
            return
        outage = self._answered(lease)
        if lease.mine:
            self.epoch, self.holder = lease.epoch, None
            self._until = lease.act_until - self.times.margin
        else:
            self.epoch, self.holder, self._until = None, lease.owner, 0.0
            self._turn_at(lease.ends_in)
        await self._settle()
        if outage is not None:
            self._tell(outage)

    async def resign(self) -> None:
        """Stop leading and give the lease up (a clean stop): a standby takes it at once."""
        self._cancel_timer()
        self._until = 0.0 if self.store is not None else self._until
        if self.store is not None and self.epoch is not None:
            with contextlib.suppress(StoreUnavailable):
                await self.store.resign()
        self.epoch = None

    def _answered(self, lease: Lease) -> Unreachable | None:
        """The store answered: end an outage this instance saw, and return it if it lasted
        longer than a lease and this instance leads now (another leading tells it, or nobody
        saw it long enough to tell)."""
        since, self._down_since = self._down_since, None
        if since is None:
            return None
        seconds = self.clock() - since
        log.info("the lease answers again (the store was out of reach for %.1f s)", seconds)
        if seconds <= self.times.lease or not lease.mine:
            return None
        ended = self.now()
        return Unreachable(began=ended - timedelta(seconds=seconds), ended=ended, seconds=seconds)

    def _tell(self, outage: Unreachable) -> None:
        """Tell the admin chats of the outage, while this instance leads, without holding up
        the renewals (a send may wait on a platform's limits)."""
        if self.on_unreachable is None or not self.leading():
            return
        log.warning("the store was out of reach for longer than the %g s lease: the admin "
                    "chats are told", self.times.lease)  # fmt: skip
        self._spawn(self._telling(self.on_unreachable, outage))

    async def _telling(self, tell: Tell, outage: Unreachable) -> None:
        try:
            await tell(outage)
        except Exception:
            log.exception("the admin chats could not be told about the store")

    def _left(self) -> str:
        left = self._until - self.clock()
        if not self._told:
            return "standby"
        return f"leading for {max(left, 0):.1f} s more by this instance's clock"

    async def _settle(self) -> None:
        """Tell on_change when leading began or ended; arm the timer that ends it by our
        clock, should no renewal come in time."""
        leading = self.leading()
        if leading != self._told:
            self._told = leading
            if leading:
                log.info("%s", self.describe())
            else:
                log.warning("this instance stops leading; %s", self.describe())
            if self.on_change is not None:
                await self.on_change(leading)
        self._cancel_timer()
        if leading and math.isfinite(self._until):
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(max(0.0, self._until - self.clock()), self._expire)

    def _expire(self) -> None:
        """Our own clock says the lease is ending: stop acting, renewed or not."""
        self._spawn(self._settle())

    def _spawn(self, work: Awaitable[None]) -> None:
        """Run `work` on its own, kept until done (finish() waits for it)."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _turn_at(self, ends_in: float | None) -> None:
        """A standby tries again as soon as the leader's lease ends (not at its next turn)."""
        if ends_in is None or self.wake is None or ends_in > self.times.renew:
            return
        asyncio.get_running_loop().call_later(max(0.0, ends_in) + AHEAD, self.wake)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def finish(self) -> None:
        """Wait for what the timer started."""
        self._cancel_timer()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
