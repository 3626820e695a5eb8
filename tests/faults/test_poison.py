"""Poison versions against the real process (`python -m bot run`), a real feed server and
the fake Telegram, and against `python -m bot replay`: a version whose data time cannot be
stored or lies far ahead is rejected at the parse, naming the field and its value; one whose
processing fails for any other reason is retried a few times with backoff, then set aside
(kept in the store with its error, the admin chats told once). Either way the source reads
on, and its next good version is announced."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import open_store
from tests.builders import feed_bytes, feed_doc
from tests.fakes.telegram import FakeTelegram
from tests.faults.support import night_config, texts
from tests.feedserver import FeedServer
from tests.support import ROOT, start_bot, wait_for

GROUP, ADMIN = -5001, -5999
GOOD = feed_bytes(10, {"hamon": 600, "valls": 400}, counted=50)
NEXT = feed_bytes(30, {"hamon": 3050, "valls": 1950}, counted=300)
POISON = feed_bytes(20, {"hamon": 1300, "valls": 700}, counted=200)  # "1,300 votes": its mark


def dated(updated_at: str) -> bytes:
    """Return the poison version's figures with this data time."""
    doc = feed_doc(20, {"hamon": 1300, "valls": 700}, counted=200)
    doc["updated_at"] = updated_at
    return json.dumps(doc).encode()


def config(tmp_path: Path, url: str, keys: dict[str, object] | None = None) -> Path:
    return night_config(tmp_path, {"feed": url}, groups=[GROUP], admins=[ADMIN], keys=keys)


def poison_trigger(db: Path, raw: bytes) -> None:
    """Make the store refuse to record this one version, as no feed can: whatever breaks in
    processing a version, the poller must not retry it all night."""
    sha = hashlib.sha256(raw).hexdigest()
    with sqlite3.connect(db) as conn:
        conn.execute(
            f"CREATE TRIGGER poison BEFORE INSERT ON snapshots WHEN NEW.sha256 = '{sha}'"
            " BEGIN SELECT RAISE(ABORT, 'poisoned version'); END"
        )


FUTURE = (datetime.now(UTC) + timedelta(hours=2)).isoformat(timespec="seconds")
TIMES = {
    # The attack: year 9999 less 23:59 is past year 9999 in UTC: OverflowError in the store.
    "an offset past year 9999": ("9999-12-31T23:59:59-23:59", {}, "out of range once in UTC"),
    # Accepted, it was "the newest": every real version after it was "not newer".
    "year 9999": ("9999-12-31T23:00+02:00", {}, "more than 86400 s ahead of the fetch time"),
    "two hours ahead, max_future = 3600": (
        FUTURE, {"max_future": 3600}, "more than 3600 s ahead of the fetch time"
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(TIMES))
async def test_a_data_time_that_cannot_be_right_is_rejected_and_the_source_reads_on(
    tmp_path: Path, feed: FeedServer, tg: FakeTelegram, case: str
) -> None:
    stamp, keys, reason = TIMES[case]
    feed.publish(GOOD)
    log = tmp_path / "bot.log"
    proc = await start_bot(config(tmp_path, feed.url, keys), tg, log)
    try:
        await wait_for(lambda: texts(tg, GROUP), patience=30, what="the first alert")
        feed.publish(dated(stamp))
        await wait_for(lambda: reason in log.read_text(), patience=30, what="the rejection")
        feed.publish(NEXT)
        await wait_for(lambda: any("25%" in t for t in texts(tg, GROUP)), patience=30)
    finally:
        proc.terminate()
        await proc.wait()
    line = next(ln for ln in log.read_text().splitlines() if reason in ln)
    assert "rejected feed version" in line
    assert f"updated_at = {datetime.fromisoformat(stamp).isoformat()!r}" in line
    assert "Traceback" not in log.read_text()
    assert not any("1,300 votes" in t for t in texts(tg, GROUP))  # never announced


async def test_a_version_that_cannot_be_processed_is_set_aside_and_the_source_reads_on(
    tmp_path: Path, feed: FeedServer, tg: FakeTelegram
) -> None:
    feed.publish(GOOD)
    log = tmp_path / "bot.log"
    proc = await start_bot(config(tmp_path, feed.url), tg, log)
    try:
        await wait_for(lambda: texts(tg, GROUP), patience=30, what="the first alert")
        poison_trigger(tmp_path / "soiree.db", POISON)
        feed.publish(POISON)
        set_aside = lambda: [t for t in texts(tg, ADMIN) if "set aside" in t]  # noqa: E731
        await wait_for(set_aside, patience=30, what="the admins told")
        feed.publish(NEXT)
        await wait_for(lambda: any("25%" in t for t in texts(tg, GROUP)), patience=30)
        hits = len(feed.hits)
        await wait_for(lambda: len(feed.hits) >= hits + 10, patience=30, what="polling on")
    finally:
        proc.terminate()
        await proc.wait()
    text = log.read_text()
    assert text.count("Traceback") == 1  # the first failure's, once
    assert text.count("set aside after 3 failed attempts") == 1
    assert len(set_aside()) == 1  # told once
    assert "IntegrityError: poisoned version" in set_aside()[0]
    assert not any("1,300 votes" in t for t in texts(tg, GROUP))
    with sqlite3.connect(tmp_path / "soiree.db") as conn:
        rows = conn.execute("SELECT source, attempts, error, raw FROM rejected_versions").fetchall()
    assert [(r[0], r[1], bytes(r[3])) for r in rows] == [("feed", 3, POISON)]
    assert "poisoned version" in rows[0][2]


async def test_replay_reports_poison_versions_as_rejected_and_goes_on(tmp_path: Path) -> None:
    files = {
        "1-good.json": GOOD,
        "2-overflow.json": dated("9999-12-31T23:59:59-23:59"),
        "3-future.json": dated("9999-12-31T23:00+02:00"),
        "4-poison.json": POISON,
        "5-next.json": NEXT,
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    db = tmp_path / "replay.db"
    store = await open_store(str(db))
    await store.close()
    poison_trigger(db, POISON)
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "replay", *(str(tmp_path / n) for n in files),
         "--db", str(db), "--format", "jsonl"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    rejected = {Path(r["file"]).name: r["error"] for r in records if r["kind"] == "rejected"}
    assert list(rejected) == ["2-overflow.json", "3-future.json", "4-poison.json"]
    assert (
        "updated_at = '9999-12-31T23:59:59-23:59': out of range once in UTC"
        in (rejected["2-overflow.json"])
    )
    assert "more than 86400 s ahead of the fetch time" in rejected["3-future.json"]
    assert "IntegrityError: poisoned version" in rejected["4-poison.json"]
    announced = [Path(r["file"]).name for r in records if r["kind"] != "rejected"]
    assert announced[0] == "1-good.json"
    assert "5-next.json" in announced  # the replay went on past them
    with sqlite3.connect(db) as conn:
        kept = conn.execute("SELECT source, raw FROM rejected_versions").fetchall()
    assert [(s, bytes(raw)) for s, raw in kept] == [("replay", POISON)]
