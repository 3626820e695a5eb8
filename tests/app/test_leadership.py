"""Who leads: the lease on a real PostgreSQL taken, renewed, ended by the leader's own clock,
handed over on a clean stop; without a lease (SQLite) the one instance leads. The store out of
reach for longer than a lease, on a fake lease and a fake clock: told once, by the instance
that leads once it answers again."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.app.leadership import Leadership, LeaseTimes, Unreachable
from bot.store import StoreUnavailable
from bot.store.postgres import Lease, PostgresStore
from tests.postgres import Server
from tests.support import wait_for

QUICK = LeaseTimes(lease=0.6, renew=0.2, margin=0.2)


@pytest.fixture
async def two(postgres: Server) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    url = await postgres.fresh_database()
    a, b = PostgresStore(url), PostgresStore(url)
    await a.open()
    await b.open()
    yield a, b
    await a.close()
    await b.close()


def told(leadership: Leadership) -> list[bool]:
    seen: list[bool] = []

    async def note(leading: bool) -> None:
        seen.append(leading)

    leadership.on_change = note
    return seen


async def test_without_a_lease_the_one_instance_leads() -> None:
    alone = Leadership(None)
    assert await alone.start()
    assert alone.leading()
    assert not alone.shared
    assert alone.describe() == "this instance leads"
    await alone.resign()
    assert alone.leading()  # nothing to hand over


async def test_one_leads_the_other_stands_by_and_says_who_leads(two) -> None:
    a, b = Leadership(two[0], QUICK), Leadership(two[1], QUICK)
    seen = told(a)
    assert await a.start()
    assert not await b.start()
    assert seen == [True]
    assert a.describe() == f"this instance leads (epoch {a.epoch})"
    assert b.describe() == f"standby; {two[0].owner} leads"
    await a.renew()
    assert a.leading()
    assert not b.leading()
    await a.resign()
    await a.finish()


async def test_a_leader_not_renewed_stops_by_its_own_clock_before_its_lease_ends(two) -> None:
    a, b = Leadership(two[0], QUICK), Leadership(two[1], QUICK)
    seen = told(a)
    loop = asyncio.get_running_loop()
    assert await a.start()
    began = loop.time()
    await wait_for(lambda: seen == [True, False], patience=5, what="a stops leading")
    stopped = loop.time() - began
    # The lease runs 0.6 s from before the request; a stops 0.2 s before, by its clock.
    assert stopped <= QUICK.lease - QUICK.margin + 0.05
    assert not a.leading()
    await wait_for(lambda: _leads(b), patience=5, what="b takes the lease once it ran out")
    await a.renew()  # back: the lease is b's now
    assert not a.leading()
    assert a.holder == two[1].owner
    await a.finish()


async def test_a_standby_tries_again_as_the_leaders_lease_ends(two) -> None:
    times = LeaseTimes(lease=0.6, renew=5.0, margin=0.2)  # a renewal far off: the wake decides
    a, b = Leadership(two[0], times), Leadership(two[1], times)
    woken = asyncio.Event()
    b.wake = woken.set
    assert await a.start()
    assert not await b.start()
    await asyncio.wait_for(woken.wait(), 5)  # at the end of a's lease, not 5 s later
    await b.renew()
    assert b.leading()
    assert b.epoch == (a.epoch or 0) + 1
    await a.finish()
    await b.resign()


async def test_a_clean_stop_hands_the_lease_over_at_once(two) -> None:
    times = LeaseTimes(lease=30, renew=10, margin=5)
    a, b = Leadership(two[0], times), Leadership(two[1], times)
    assert await a.start()
    assert not await b.start()
    await a.resign()
    assert not a.leading()
    await b.renew()
    assert b.leading()
    await b.resign()


async def _leads(leadership: Leadership) -> bool:
    await leadership.renew()
    return leadership.leading()


# --- the store out of reach, on a fake lease and a fake clock ------------------------------

NIGHT = datetime(2017, 4, 23, 18, 0, tzinfo=UTC)
TIMES = LeaseTimes(lease=10, renew=3, margin=3)  # a night's


class Clock:
    """Monotonic seconds the test moves on, and the wall-clock time they stand for."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def wall(self) -> datetime:
        return NIGHT + timedelta(seconds=self.t - 1000.0)


class OneLease:
    """The leases row as PostgreSQL keeps it (upsert when free or ran out, renewed by its
    owner), by the test's clock; while `down`, no instance reaches it."""

    def __init__(self, clock: Clock) -> None:
        self.clock, self.down = clock, False
        self.owner: str | None = None
        self.epoch, self.expires = 0, -math.inf

    def seat(self, owner: str, told: list[Unreachable]) -> Leadership:
        """Return one instance's leadership on this lease, noting what it tells."""

        async def tell(outage: Unreachable) -> None:
            told.append(outage)

        leadership = Leadership(Seat(self, owner), TIMES, clock=self.clock, now=self.clock.wall)
        leadership.on_unreachable = tell
        return leadership


class Seat:
    """One instance's connection to the lease (the Electing a PostgresStore is)."""

    def __init__(self, lease: OneLease, owner: str) -> None:
        self.lease, self.owner = lease, owner

    async def elect(self, ttl: timedelta) -> Lease:
        row, now = self.lease, self.lease.clock()
        if row.down:
            raise StoreUnavailable("connection refused")
        if row.owner != self.owner and row.expires > now:
            return Lease(owner=row.owner, epoch=row.epoch, expires_at=None, mine=False,
                         ends_in=row.expires - now)  # fmt: skip
        if row.owner != self.owner or row.expires <= now:
            row.epoch += 1
        row.owner, row.expires = self.owner, now + ttl.total_seconds()
        return Lease(owner=self.owner, epoch=row.epoch, expires_at=None, mine=True,
                     act_until=now + ttl.total_seconds())  # fmt: skip

    async def resign(self) -> None:
        if self.lease.owner == self.owner:
            self.lease.expires = self.lease.clock()


Night = tuple[Clock, OneLease, list[Leadership], list[list[Unreachable]]]


async def night_of(*owners: str) -> Night:
    """Start instances on one fake lease, the first leading; return the clock, the lease,
    each instance's leadership and what each told."""
    clock = Clock()
    lease = OneLease(clock)
    told: list[list[Unreachable]] = [[] for _ in owners]
    seats = [lease.seat(owner, notes) for owner, notes in zip(owners, told, strict=True)]
    for seat in seats:
        await seat.start()
    assert [s.leading() for s in seats] == [True] + [False] * (len(owners) - 1)
    return clock, lease, seats, told


def said(told: list[Unreachable]) -> list[str]:
    """Say what was told as 'HH:MM:SS-HH:MM:SS seconds'."""
    return [f"{o.began:%H:%M:%S}-{o.ended:%H:%M:%S} {o.seconds:g}" for o in told]


async def renew_all(seats: list[Leadership], clock: Clock, every: float = 3.0) -> None:
    for seat in seats:
        await seat.renew()
    clock.t += every


async def test_an_outage_longer_than_a_lease_is_told_once_by_the_next_leader() -> None:
    clock, lease, (a, b), told = await night_of("a", "b")
    clock.t += 2
    lease.down = True  # at 18:00:02
    clock.t += 1
    for _ in range(5):  # 18:00:03 to 18:00:15: every renewal fails; a stops by its clock
        await renew_all([a, b], clock)
    assert not a.leading()
    lease.down = False  # back at 18:00:18: b asks first and leads
    await renew_all([b, a], clock, every=0)
    for _ in range(4):  # the night goes on: nothing more is told
        await renew_all([b, a], clock)
    await a.finish()
    await b.finish()
    assert b.leading()
    assert not a.leading()
    assert said(told[1]) == ["18:00:03-18:00:18 15"]  # b's first renewal that failed, to now
    assert told[0] == []  # a saw it too, but b leads


async def test_an_outage_shorter_than_a_lease_tells_nothing() -> None:
    clock, lease, (a, b), told = await night_of("a", "b")
    lease.down = True
    for _ in range(3):  # 9 s down: a keeps its lease (it had 10 s from its last renewal)
        await renew_all([a, b], clock)
    lease.down = False
    for _ in range(3):
        await renew_all([a, b], clock)
    await a.finish()
    await b.finish()
    assert a.leading()
    assert told == [[], []]


async def test_a_standby_that_saw_the_outage_forgets_it_once_another_leads() -> None:
    clock, lease, (a, b), told = await night_of("a", "b")
    lease.down = True
    for _ in range(6):  # 18 s down
        await renew_all([a, b], clock)
    lease.down = False
    await renew_all([a, b], clock)  # a takes its lease again: it tells; b forgets
    await a.resign()  # later, b leads
    await renew_all([b], clock)
    assert b.leading()
    await a.finish()
    await b.finish()
    assert said(told[0]) == ["18:00:00-18:00:18 18"]
    assert told[1] == []


async def test_an_instance_started_while_the_store_is_out_of_reach_tells_once_it_leads() -> None:
    clock, lease, (a,), told = await night_of("a")
    await a.resign()  # a stops cleanly; the store goes down before its successor starts
    lease.down = True
    late = lease.seat("late", told[0])
    assert not await late.start()
    clock.t += 12
    lease.down = False
    await late.renew()
    assert late.leading()
    await late.finish()
    assert said(told[0]) == ["18:00:00-18:00:12 12"]
