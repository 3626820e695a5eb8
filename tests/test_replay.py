"""`replay` (bot/replay.py) reads its files as a poll does, within the source's size cap, and
knows when a config's replay was played to its end into its store."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.app import App, Options
from bot.config import Config, load
from bot.replay import already_played
from tests.builders import feed_bytes
from tests.support import wait_for, write_config

ROOT = Path(__file__).resolve().parent.parent


def replay(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "replay", "--format", "jsonl", *args], cwd=ROOT,
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


def records(done: subprocess.CompletedProcess[str]) -> list[dict]:
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_replay_reads_within_the_configs_cap_or_the_default(tmp_path: Path) -> None:
    small = tmp_path / "small.json"
    small.write_bytes(feed_bytes(10, {"a": 60, "b": 40}, counted=50))
    big = tmp_path / "big.json"
    big.write_bytes(feed_bytes(20, {"a": 60, "b": 45}, counted=60) + b" " * 5000)
    config = write_config(tmp_path, "file:feed.json", extra="max_bytes = 4000")
    done = replay(str(small), str(big), "--config", str(config))
    assert done.returncode == 1  # a file could not be read
    kinds = [(r["kind"], r["file"]) for r in records(done)]
    assert kinds == [("first_results", str(small)), ("unreadable", str(big))]
    size = big.stat().st_size
    assert records(done)[1]["error"] == f"{big}: {size} bytes, over the 4000-byte cap"
    assert replay(str(big)).returncode == 0  # 20 MB without a config
    huge = tmp_path / "huge.json"
    with huge.open("wb") as file:
        file.truncate(20_000_001)  # sparse: nothing written, nothing read
    [record] = records(replay(str(huge)))
    assert record["error"] == f"{huge}: 20000001 bytes, over the 20000000-byte cap"
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)  # read as a file, it would wait for a writer for ever
    [record] = records(replay(str(fifo)))
    assert (record["kind"], record["error"]) == ("unreadable", f"{fifo}: not a regular file")


async def test_a_replay_is_played_once_its_last_file_is_in_the_store(tmp_path: Path) -> None:
    files = [tmp_path / f"{n}.json" for n in (1, 2)]
    for n, file in enumerate(files, start=1):
        file.write_bytes(feed_bytes(10 * n, {"a": 60, "b": 40 + n}, counted=50 + n))
    first = _replaying(tmp_path, "first.toml", files[:1])
    both = _replaying(tmp_path, "both.toml", files)
    assert not await already_played(both)  # no store yet, and none made
    assert not both.db.exists()
    rehearsed = replay(*map(str, files), "--config", str(both.path), "--db", str(both.db))
    assert rehearsed.returncode == 0, rehearsed.stderr
    assert not await already_played(both)  # `replay` records as source "replay", not "feed"
    await _play(first, until=1)  # the same store, only the first file played into it
    assert await already_played(first)
    assert not await already_played(both)  # its last file is not in yet
    await _play(both, until=2)
    assert await already_played(both)


def _replaying(tmp_path: Path, name: str, files: list[Path]) -> Config:
    listed = ", ".join(f'"{f.name}"' for f in files)
    path = write_config(tmp_path, "file:unused.json")
    text = path.read_text(encoding="utf-8").replace('path = "unused.json"', f"replay = [{listed}]")
    path = path.rename(tmp_path / name)
    path.write_text(text, encoding="utf-8")
    return load(path)


async def _play(config: Config, until: int) -> None:
    app = App(config, Options(out=io.StringIO(), interactive=False, env={}, speed=20))
    await app.start()
    try:
        await wait_for(lambda: _recorded(app, until), what=f"{until} file(s) recorded")
    finally:
        await app.stop()


async def _recorded(app: App, count: int) -> bool:
    return len(await app.store.versions("feed")) >= count
