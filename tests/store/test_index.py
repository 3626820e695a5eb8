"""The race index every command looks races up in: kept between versions, never behind one,
whichever store (or process) recorded it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot.models import Race, replace
from bot.store import Cycle, Store, open_store
from tests.builders import at, race, snap
from tests.store.backends import PERSISTENT, Backend


def version(minutes: int, *races: Race) -> Cycle:
    s = snap(*races, minutes=minutes)
    raw = f"raw-{minutes}".encode()
    return Cycle(
        source="src", snapshot=s, raw=raw, sha256=hashlib.sha256(raw).hexdigest(),
        fetched_at=at(minutes), baseline=s, events=(), deliveries=(), flagged_races=frozenset(),
    )  # fmt: skip


def town(race_id: str, name: str) -> Race:
    return replace(race({"a": 1}, race_id=race_id, name=name), code=race_id)


async def names(store: Store) -> list[tuple[str, str]]:
    return [(ref.id, ref.name) for ref in await store.race_index()]


async def test_the_index_follows_every_version_recorded(store: Store) -> None:
    assert await names(store) == []
    await store.commit_cycle(version(10, town("r1", "Brest")))
    assert await names(store) == [("r1", "Brest")]
    assert await names(store) == [("r1", "Brest")]  # read again: the same
    await store.commit_cycle(version(20, town("r1", "Angers"), town("r2", "Caen")))
    assert await names(store) == [("r1", "Angers"), ("r2", "Caen")]


async def test_a_caller_changing_its_index_changes_no_other_callers(store: Store) -> None:
    await store.commit_cycle(version(10, town("r1", "Brest")))
    (await store.race_index()).clear()
    assert await names(store) == [("r1", "Brest")]


@pytest.mark.parametrize("backend", PERSISTENT, ids=lambda b: b.id)
async def test_the_index_follows_the_versions_another_instance_records(
    backend: Backend, tmp_path: Path
) -> None:
    where = await backend.place(tmp_path)
    writer, reader = await open_store(where), await open_store(where)
    try:
        await writer.commit_cycle(version(10, town("r1", "Brest")))
        assert await names(reader) == [("r1", "Brest")]
        await writer.commit_cycle(version(20, town("r1", "Brest"), town("r2", "Albi")))
        assert await names(reader) == [("r2", "Albi"), ("r1", "Brest")]
    finally:
        await writer.close()
        await reader.close()
