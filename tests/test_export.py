"""`export` (bot/export.py), as an operator runs it: a night recorded by `python -m bot run`
from a local feed server, exported, then replayed into a fresh store, gives the same facts."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.store import open_store
from tests.feedserver import FeedServer
from tests.support import processed, write_config

ROOT = Path(__file__).resolve().parent.parent
DEMO = sorted((ROOT / "config" / "demo").glob("*.json"))


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=60, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


async def _ledger(where: Path) -> list[tuple[str, str]]:
    store = await open_store(str(where))
    try:
        return await store.ledger()
    finally:
        await store.close()


async def test_a_night_run_exported_and_replayed_announces_the_same_facts(
    tmp_path: Path, feed: FeedServer
) -> None:
    config = write_config(tmp_path, feed.url)  # source "feed", store soiree.db beside it
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT,
        env={**env, "NO_PROXY": "127.0.0.1"}, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for version in DEMO:  # the demo night, served one version after another
            await processed(feed, version.read_bytes())
    finally:
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.wait(), 30) == 0
    night = await _ledger(tmp_path / "soiree.db")
    assert {"anomaly", "final", "correction"} <= {kind for _, kind in night}  # the whole night

    out = tmp_path / "night"
    done = await asyncio.to_thread(
        cli, "export", "--source", "feed", "--config", str(config), "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"{out}: 12 version(s) of source feed, "
        "data times 2017-01-29T18:40:00+00:00 to 2017-01-29T22:55:00+00:00\n"
    )
    files = sorted(out.iterdir())
    assert files[0].name == "0001-20170129T184000Z.json"
    assert [f.read_bytes() for f in files] == [v.read_bytes() for v in DEMO]  # as served

    fresh = tmp_path / "fresh.db"
    replayed = await asyncio.to_thread(
        cli, "replay", *map(str, files), "--config", str(config), "--db", str(fresh)
    )
    assert replayed.returncode == 0, replayed.stderr
    assert await _ledger(fresh) == night


def test_an_export_names_the_sources_refuses_a_folder_with_files_and_makes_no_store(
    tmp_path: Path,
) -> None:
    db = tmp_path / "rehearsal.db"
    assert cli("replay", *map(str, DEMO[:2]), "--db", str(db)).returncode == 0
    out = tmp_path / "out"
    unknown = cli("export", "--source", "feed", "--db", str(db), "--out", str(out))
    assert unknown.returncode == 1
    held = "its sources: replay (2)"
    assert unknown.stderr == f"error: {db} holds no version of source 'feed'; {held}\n"
    assert not out.exists()
    assert cli("export", "--source", "replay", "--db", str(db), "--out", str(out)).returncode == 0
    assert [f.name for f in sorted(out.iterdir())] == [
        "0001-20170129T184000Z.json",
        "0002-20170129T185500Z.json",
    ]
    again = cli("export", "--source", "replay", "--db", str(db), "--out", str(out))
    assert again.returncode == 1
    assert again.stderr == f"error: {out}: not an empty folder (an export goes into a new one)\n"
    missing = tmp_path / "missing.db"
    gone = cli("export", "--source", "replay", "--db", str(missing), "--out", str(tmp_path / "x"))
    assert gone.returncode == 2
    assert gone.stderr == f"error: cannot open the store {missing}: no such file\n"
    assert not missing.exists()
    both = cli("export", "--source", "replay", "--db", str(db), "--config", "x", "--out", "y")
    assert both.returncode == 2
    assert "not allowed with argument" in both.stderr
