"""Who leads: the lease on a real PostgreSQL taken, renewed, ended by the leader's own clock,
handed over on a clean stop; without a lease (SQLite) the one instance leads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.app.leadership import Leadership, LeaseTimes
from bot.store.postgres import PostgresStore
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
