"""What only the PostgreSQL store has (the rest is the one suite, test_store.py): instances
sharing one outbox, connections cut and a database out of reach, a password never shown,
the leader's lease and the fencing of a leader whose lease ended."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest

from bot import logs
from bot.render.message import Message
from bot.store import Cycle, Delivery, StoreUnavailable, is_postgres, open_store, store_at
from bot.store.errors import Fenced
from bot.store.postgres import PostgresStore
from tests.builders import at, race, snap
from tests.postgres import Server
from tests.support import wait_for


def delivery(key: str, chat: str = "c1") -> Delivery:
    return Delivery(event_key=key, platform="console", chat_id=chat, message=Message(text=key))


@pytest.fixture
async def url(postgres: Server) -> str:
    return await postgres.fresh_database()


@pytest.fixture
async def two(url: str) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    """Two instances' stores on one database."""
    a, b = PostgresStore(url), PostgresStore(url)
    await a.open()
    await b.open()
    yield a, b
    await a.close()
    await b.close()


async def test_a_url_selects_postgres_and_anything_else_sqlite() -> None:
    assert is_postgres("postgresql://u@h/db")
    assert is_postgres("postgres://u@h/db")
    assert not is_postgres("soiree.db")
    assert isinstance(store_at("postgresql://u@h/db"), PostgresStore)


async def test_two_instances_are_never_handed_the_same_row(two) -> None:
    a, b = two
    await a.enqueue([delivery(f"k{i}", chat=f"c{i // 10}") for i in range(70)], at(0))
    first = await a.due(at(1), limit=30)
    second = await b.due(at(1))
    assert (len(first), len(second)) == (30, 40)
    assert not {d.id for d in first} & {d.id for d in second}
    # A chat's rows stay with one instance, in order: b got none of a's chats.
    assert not {d.chat_id for d in first} & {d.chat_id for d in second}
    assert [d.id for d in await a.due(at(1), limit=30)] == [d.id for d in first]  # a's again


async def test_claims_at_the_same_moment_skip_each_others_rows(url: str) -> None:
    stores = [PostgresStore(url) for _ in range(4)]
    for s in stores:
        await s.open()
    try:
        await stores[0].enqueue([delivery(f"k{i}", chat=f"c{i}") for i in range(400)], at(0))
        handed = await asyncio.gather(*(s.due(at(1), limit=150) for s in stores))
        ids = [d.id for batch in handed for d in batch]
        assert len(ids) == len(set(ids)) == 400
    finally:
        for s in stores:
            await s.close()


async def test_a_claim_ends_when_settled_or_after_its_time(two) -> None:
    a, b = two
    await a.enqueue([delivery("k1"), delivery("k2")], at(0))
    [k1, k2] = await a.due(at(1))
    assert await b.due(at(1)) == []  # claimed by a, and k2 waits behind k1
    await a.retry_later(k1.id, at(1), "502", count=True)  # given back
    assert [d.event_key for d in await b.due(at(1))] == ["k1"]  # k2 is still a's
    b.claim_for = timedelta(0)
    await b.mark_sent(k1.id, at(2))
    a.claim_for = timedelta(0)  # a's claim on k2 ends at once
    await a.due(at(2))
    assert [d.id for d in await b.due(at(2))] == [k2.id]


async def test_connections_cut_by_the_server_are_made_again(url: str, postgres: Server) -> None:
    store = await open_store(url)
    try:
        await store.set_setting("paused", "0")
        conn = await asyncpg.connect(postgres.url)
        try:
            cut = await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name='soiree' AND datname=$1",
                url.rsplit("/", 1)[1],
            )
        finally:
            await conn.close()
        assert cut >= 1
        await store.set_setting("paused", "1")  # on a new connection
        assert await store.setting("paused") == "1"
    finally:
        await store.close()


class Proxy:
    """A TCP relay to the database that a test can cut and restore: the network in between."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server: asyncio.Server | None = None
        self.port = 0
        self.links: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()
        for writer in list(self.links):
            writer.close()
        self.links.clear()

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.links.update({writer, up_writer})

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))


async def test_a_database_out_of_reach_is_store_unavailable_then_comes_back(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    host_port, database = url.split("@", 1)[1].split("/", 1)
    host, port = host_port.rsplit(":", 1)
    proxy = Proxy(host, int(port))
    await proxy.start()
    relayed = f"postgresql://postgres:hunter2-secret@127.0.0.1:{proxy.port}/{database}"
    store = await open_store(relayed)
    try:
        await store.set_setting("paused", "0")
        await proxy.cut()
        with pytest.raises(StoreUnavailable) as caught:
            await store.set_setting("paused", "1")
        assert "hunter2" not in str(caught.value)
        await proxy.start()  # the same port again
        await store.set_setting("paused", "1")
        assert await store.setting("paused") == "1"
    finally:
        await store.close()
        await proxy.cut()
    assert "hunter2" not in caplog.text


async def test_a_database_that_cannot_be_reached_names_it_without_its_password() -> None:
    with socket_closed() as port:
        where = f"postgresql://soiree:hunter2-secret@127.0.0.1:{port}/night"
        store = store_at(where)
        with pytest.raises(StoreUnavailable) as caught:
            await store.open()
        await store.close()
    text = str(caught.value)
    assert text.startswith(f"cannot open the store postgresql://***@127.0.0.1:{port}/night: ")
    assert "hunter2" not in text


async def test_the_password_is_hidden_from_every_log_line(caplog) -> None:
    store_at("postgresql://soiree:hunter2-secret@127.0.0.1:1/night")
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "pw hunter2-secret", (), None)
    logs.RedactingFilter([]).filter(record)
    assert record.getMessage() == "pw [redacted]"


@contextlib.contextmanager
def socket_closed():
    """Yield a local port nothing listens on."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    yield port


# --- the leader's lease and its fencing -----------------------------------------------------

LEASE = timedelta(seconds=10)


def cycle_at(minutes: int) -> Cycle:
    s = snap(race({"a": 60, "b": 40}, counted=minutes), minutes=minutes)
    return Cycle(
        source="src", snapshot=s, raw=b"raw", sha256=f"{minutes:064}", fetched_at=at(minutes),
        baseline=s, events=[], deliveries=[delivery(f"k{minutes}")], flagged_races=frozenset(),
    )  # fmt: skip


async def test_one_store_leads_and_renews_the_other_waits(two) -> None:
    a, b = two
    first = await a.elect(LEASE)
    assert (first.mine, first.owner, first.epoch) == (True, a.owner, 1)
    assert first.act_until > 0
    other = await b.elect(LEASE)
    assert (other.mine, other.owner, other.epoch) == (False, a.owner, 1)
    renewed = await a.elect(LEASE)
    assert (renewed.mine, renewed.epoch) == (True, 1)  # the same term
    assert renewed.expires_at > first.expires_at
    assert (await b.leader()).owner == a.owner


async def test_a_lease_that_ran_out_goes_to_the_other_and_fences_the_first(two) -> None:
    a, b = two
    await a.elect(timedelta(milliseconds=200))
    await a.commit_cycle(cycle_at(10))  # a leads: its version is recorded
    await a.enqueue([delivery("late")], at(10))
    assert [d.event_key for d in await a.due(at(11))] == ["k10", "late"]  # claimed by a
    taken = []

    async def b_leads() -> bool:
        taken.append(await b.elect(LEASE))
        return taken[-1].mine

    await wait_for(b_leads, what="b to take the lease")
    assert (taken[-1].owner, taken[-1].epoch) == (b.owner, 2)
    with pytest.raises(Fenced):  # woken after its lease: a records nothing...
        await a.commit_cycle(cycle_at(20))
    assert await a.due(at(21)) == []  # ...and claims nothing
    assert await a.latest_version("src") == at(10)
    # What a had claimed and not sent is b's at once, not after a's claim would end.
    assert [d.event_key for d in await b.due(at(21))] == ["k10", "late"]
    await b.commit_cycle(cycle_at(20))
    assert await b.latest_version("src") == at(20)
    again = await a.elect(LEASE)
    assert (again.mine, again.owner) == (False, b.owner)


async def test_a_leader_that_stops_cleanly_hands_over_at_once(two) -> None:
    a, b = two
    await a.elect(LEASE)
    assert not (await b.elect(LEASE)).mine
    await a.resign()
    assert (await b.leader()).owner is None
    lease = await b.elect(LEASE)
    assert (lease.mine, lease.epoch) == (True, 2)
    with pytest.raises(Fenced):
        await a.commit_cycle(cycle_at(10))


async def test_a_store_without_a_lease_is_not_fenced(url: str) -> None:
    store = await open_store(url)  # one instance (the CLI, a replay): nothing to check
    try:
        await store.commit_cycle(cycle_at(10))
        assert [d.event_key for d in await store.due(at(11))] == ["k10"]
    finally:
        await store.close()
