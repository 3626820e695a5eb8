"""The command line, as a user runs it: replay, the demo night, and a hard kill mid-night."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store import Subscription, open_store
from tests.builders import feed_bytes
from tests.feedserver import FeedServer
from tests.support import write_config

ROOT = Path(__file__).resolve().parent.parent
DEMO = sorted((ROOT / "config" / "demo").glob("*.json"))


def bot(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kwargs,
    )


def jsonl(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_replay_demo_night_jsonl(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    files = [str(p) for p in DEMO]
    config = str(ROOT / "config" / "demo.toml")
    first = bot("replay", *files, "--config", config, "--db", str(db), "--format", "jsonl")
    assert first.returncode == 0, first.stderr
    events = jsonl(first.stdout)
    kinds = [e["kind"] for e in events]
    assert kinds == [
        "first_results",
        "reporting_threshold",
        "reporting_threshold",
        "anomaly",
        "reporting_threshold",
        "turnout_threshold",
        "reporting_threshold",
        "reporting_threshold",
        "turnout_threshold",
        "turnout_threshold",
        "final",
        "correction",
    ]
    for e in events:
        assert {"key", "kind", "race", "text"} <= e.keys()
        assert e["race"] == "national"
    anomaly = events[3]
    assert anomaly["metric"] == "share_sum"
    assert "100,10\xa0%" in anomaly["text"]
    assert "4\u202f422 bureaux sur 7\u202f370" in anomaly["text"]
    steps = [e["threshold"] for e in events if e["kind"] == "reporting_threshold"]
    assert steps == [10, 25, 50, 75, 90]
    turnout = [(e["metric"], e["threshold"]) for e in events if e["kind"] == "turnout_threshold"]
    assert turnout == [
        ("voters", 1_000_000),
        ("previous_round", 1_660_000),
        ("voters", 2_000_000),
    ]
    assert len({e["key"] for e in events}) == len(events)

    again = bot("replay", *files, "--config", config, "--db", str(db), "--format", "jsonl")
    assert again.returncode == 0
    assert again.stdout == ""


def test_replay_reports_rejected_file_and_goes_on(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"election": "x", "updated_at": "2017-01-29T20:00:00+01:00", "races": [{}]}')
    good = tmp_path / "good.json"
    good.write_bytes(feed_bytes(10, {"a": 60, "b": 40}, counted=50))
    result = bot("replay", str(bad), str(good), "--format", "jsonl")
    assert result.returncode == 0
    lines = jsonl(result.stdout)
    assert lines[0]["kind"] == "rejected"
    assert lines[0]["file"] == str(bad)
    assert "races[0].units" in lines[0]["error"]
    assert lines[1]["kind"] == "first_results"


def test_replay_into_a_db_with_subscriptions_queues_nothing(tmp_path: Path) -> None:
    db = tmp_path / "live.db"

    async def subscribe_a_group() -> None:
        store = await open_store(str(db))
        await store.subscribe(
            Subscription(platform="telegram", chat_id="-100123", race="*", locale="fr")
        )
        await store.close()

    asyncio.run(subscribe_a_group())
    files = [str(p) for p in sorted((ROOT / "config" / "demo").glob("*.json"))[:2]]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "replay", *files, "--db", str(db), "--format", "jsonl"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0
    assert [json.loads(line)["kind"] for line in result.stdout.splitlines()] == ["first_results"]
    import sqlite3

    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


def test_chart_draws_a_feed_version_into_a_png(tmp_path: Path) -> None:
    out = tmp_path / "chart.png"
    config = str(ROOT / "config" / "demo.toml")
    result = bot("chart", str(DEMO[-1]), "--config", config, "--theme", "dark", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{out}: Primaire de la gauche 2017")
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    missing = bot("chart", str(DEMO[-1]), "--race", "nowhere", "--out", str(out))
    assert missing.returncode == 1
    assert "no race 'nowhere'" in missing.stderr


def test_replay_missing_file_fails(tmp_path: Path) -> None:
    result = bot("replay", str(tmp_path / "nope.json"), "--format", "jsonl")
    assert result.returncode == 1
    assert jsonl(result.stdout)[0]["kind"] == "unreadable"


def test_run_plays_the_demo_night(tmp_path: Path) -> None:
    env = {**os.environ, "SOIREE_DB": str(tmp_path / "demo.db")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--speed", "50"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Correction"):
                break
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    text = "".join(lines)
    assert text.count("Premiers résultats") == 1
    assert text.count("Résultat définitif") == 1
    assert "1\u202f120\u202f180" not in text or "Données incohérentes" in text
    assert "Participation en hausse" in text


async def _read_until(stream: asyncio.StreamReader, needle: str, sink: list[str]) -> None:
    while True:
        line = (await asyncio.wait_for(stream.readline(), 20)).decode()
        if not line:
            raise AssertionError(f"process ended before {needle!r}: {''.join(sink)}")
        sink.append(line)
        if needle in line:
            return


@pytest.mark.parametrize("kill_after", [None, "25% of polling"])
async def test_sigkill_then_restart_loses_nothing(
    tmp_path: Path, feed: FeedServer, kill_after: str | None
) -> None:
    """Kill -9 right after a new version arrives (racing its processing) or after a send."""
    config = write_config(tmp_path, feed.url)
    cmd = [sys.executable, "-m", "bot", "run", "--config", str(config)]
    env = {**os.environ, "NO_PROXY": "127.0.0.1"}
    seen: list[str] = []

    feed.publish(feed_bytes(10, {"hamon": 60, "valls": 40}, counted=50))
    proc = await asyncio.create_subprocess_exec(
        *cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    await _read_until(proc.stdout, "First results", seen)
    feed.publish(feed_bytes(20, {"hamon": 290, "valls": 210}, counted=300))
    if kill_after:
        await _read_until(proc.stdout, kill_after, seen)
    proc.kill()
    await proc.wait()

    feed.publish(feed_bytes(30, {"hamon": 470, "valls": 330}, counted=800))
    proc = await asyncio.create_subprocess_exec(
        *cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    try:
        await _read_until(proc.stdout, "75% of polling", seen)
    finally:
        proc.terminate()
        await proc.wait()
    text = "".join(seen)
    assert text.count("First results") in (1, 2)  # killed maybe between print and mark_sent
    assert 1 <= text.count("75% of polling") <= 2  # at most one duplicate per crash
    if kill_after:
        assert text.count("25% of polling") in (1, 2)
    else:  # 25 % was either announced before the kill or folded into the 75 % message
        assert text.count("25% of polling") <= 2


def test_fetch_prints_the_table_and_the_anomalies() -> None:
    result = bot("fetch", str(DEMO[5]))
    assert result.returncode == 0, result.stderr
    assert "national  [national]" in result.stdout
    assert "units 4422/7370 (60.0 %)" in result.stdout
    assert "ANOMALY share_sum: sum=100.1" in result.stdout


def test_fetch_names_the_bad_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"election": "x", "updated_at": "2017-01-29T20:00:00+01:00",
                               "races": [{"id": "n", "name": "N", "units": {"counted": -1},
                                          "candidates": []}]}))  # fmt: skip
    result = bot("fetch", str(bad))
    assert result.returncode == 1
    assert f"{bad}: races[0].units.counted = -1: must not be negative" in result.stderr
