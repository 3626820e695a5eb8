"""The file and replay sources: a changed file is read once, a replay file by file, then done."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from bot.sources.errors import FetchError
from bot.sources.files import FileSource, ReplaySource, read_file
from bot.store import open_store
from tests.postgres import Server


async def test_a_file_is_read_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "feed.json"
    path.write_bytes(b"v1")
    source = FileSource(path)
    assert await source.fetch() == b"v1"
    assert await source.fetch() is None  # same modification time and size
    path.write_bytes(b"v2 longer")
    assert await source.fetch() == b"v2 longer"
    assert source.origin == str(path)
    assert not source.exhausted  # a file may always change again


async def test_a_missing_file_is_waited_for(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="bot.sources.files")
    path = tmp_path / "later.json"
    source = FileSource(path)
    assert await source.fetch() is None
    assert await source.fetch() is None
    assert caplog.text.count("does not exist yet") == 1
    path.write_bytes(b"v1")
    assert await source.fetch() == b"v1"


async def test_a_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b"x" * 11)
    with pytest.raises(FetchError, match="over the 10-byte cap"):
        await FileSource(path, max_bytes=10).fetch()


async def test_an_unreadable_file_raises_naming_it(tmp_path: Path) -> None:
    # A directory where the feed file should be cannot be read, even by root (a file
    # without read permission can: these tests may run as root).
    path = tmp_path / "feed.json"
    path.mkdir()
    with pytest.raises(FetchError, match=str(path)):
        await FileSource(path).fetch()


async def test_a_replay_returns_one_file_per_fetch_then_none(tmp_path: Path) -> None:
    paths = [tmp_path / f"v{i}.json" for i in range(1, 3)]
    for i, path in enumerate(paths, start=1):
        path.write_bytes(f"v{i}".encode())
    source = ReplaySource(paths)
    assert source.origin == str(paths[0])
    assert not source.exhausted
    assert await source.fetch() == b"v1"
    assert await source.fetch() == b"v2"
    assert source.origin == str(paths[1])  # the file read last
    assert source.exhausted
    assert await source.fetch() is None


async def test_a_replay_kept_in_the_store_goes_on_where_another_instance_stopped(
    tmp_path: Path, postgres: Server
) -> None:
    paths = [tmp_path / f"v{i}.json" for i in range(1, 5)]
    for i, path in enumerate(paths, start=1):
        path.write_bytes(f"v{i}".encode())
    url = await postgres.fresh_database()
    first, second = await open_store(url), await open_store(url)
    try:
        leader = ReplaySource(paths, keep=first, key="replay:night")
        assert [await leader.fetch(), await leader.fetch(), await leader.fetch()] == [
            b"v1", b"v2", b"v3",
        ]  # fmt: skip
        # It dies processing v3: the next leader reads v3 again (recorded once: the same
        # bytes), then goes on; neither v1 nor v2 again.
        heir = ReplaySource(paths, keep=second, key="replay:night")
        assert [await heir.fetch(), await heir.fetch(), await heir.fetch()] == [b"v3", b"v4", None]
        assert await second.setting("replay:night") == "4"
    finally:
        await first.close()
        await second.close()


async def test_file_sources_read_in_one_step_and_never_call_before_body(tmp_path: Path):
    path = tmp_path / "feed.json"
    path.write_bytes(b"v1")
    calls: list[str] = []

    async def before_body() -> None:
        calls.append("turn")

    for source in (FileSource(path), ReplaySource([path])):
        source.before_body = before_body
        assert await source.fetch() == b"v1"
    assert calls == []  # the poller takes the turn once the body is in


def test_only_a_regular_file_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "feed.json"
    os.mkfifo(fifo)  # a plain open would wait for a writer for ever
    with pytest.raises(FetchError, match=f"{fifo}: not a regular file"):
        read_file(fifo, 1000)
    with pytest.raises(FetchError, match="/dev/zero: not a regular file"):  # endless
        read_file(Path("/dev/zero"), 1000)
    fifo.unlink()
    fifo.write_bytes(b"x" * 1000)
    assert read_file(fifo, 1000) == b"x" * 1000  # the cap itself is allowed
