"""Store faults against the real process (`python -m bot run`, and the CLI): a store that
stops taking writes mid-night (the bot's file-size limit set to nothing from outside, as a
full disk refuses writes), admin chats that unsubscribe, a database nobody can create."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.builders import feed_bytes, feed_doc
from tests.fakes.telegram import FakeTelegram
from tests.faults.support import night_config, texts
from tests.feedserver import FeedServer
from tests.support import ROOT, wait_for

GROUP_A, GROUP_B, ADMIN = -4101, -4102, -4999
CHATS = (GROUP_A, GROUP_B, ADMIN)
UNLIMITED = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
# A soft limit of 0 bytes: every write to a file past its first byte fails with EFBIG
# (CPython ignores SIGXFSZ), which SQLite reports as a disk I/O error. The hard limit stays
# unlimited, so that the test (not root) can lift it again.
NO_ROOM = (0, resource.RLIM_INFINITY)
DOWN = "The store cannot write ("  # the admin notices, as the English catalog has them
BACK = "takes writes again"


def config(tmp_path: Path, url: str) -> Path:
    """Write the config: two groups and an admin chat, one alert a message."""
    groups, admins = CHATS[:2], CHATS[2:]
    return night_config(tmp_path, {"feed": url}, groups=groups, admins=admins, top="digest_max = 1")


def races_doc(minutes: int, ids: list[str]) -> bytes:
    """Return a feed version with one race per id, each at its first results."""
    doc = feed_doc(minutes, {"hamon": 600, "valls": 400}, counted=50)
    template = doc["races"][0]
    doc["races"] = [{**template, "id": rid, "name": rid.capitalize()} for rid in ids]
    return json.dumps(doc).encode()


class Bot:
    """`python -m bot run` as a child process, Telegram at the fake, its log lines read."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc, self.lines = proc, list[str]()
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def start(cls, config_path: Path, tg: FakeTelegram) -> Bot:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url,
               "TELEGRAM_POLL_TIMEOUT": "1", "NO_PROXY": "127.0.0.1",
               "SOIREE_LOG_LEVEL": "INFO"}  # fmt: skip
        # Its log goes to a pipe: a file would be held by the same file-size limit.
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config_path),
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        return cls(proc)

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for line in self.proc.stderr:
            self.lines.append(line.decode(errors="replace"))

    def limit(self, limits: tuple[int, int]) -> None:
        """Set the bot's file-size limit (RLIMIT_FSIZE) from outside, as a disk fills."""
        resource.prlimit(self.proc.pid, resource.RLIMIT_FSIZE, limits)

    def logged(self, words: str) -> int:
        return sum(words in line for line in self.lines)

    async def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.terminate()
        await self.proc.wait()
        await self._reader


def headlines(tg: FakeTelegram) -> Counter[tuple[int, str]]:
    """Count each alert's headline (its bold first line) per chat."""
    return Counter(
        (c.params["chat_id"], c.params["text"].split("\n")[0])
        for c in tg.sent()
        if c.params["text"].startswith("<b>")
    )


def outbox(db: Path) -> dict[str, int]:
    """Read the Telegram rows of the outbox per status, as another process reads it."""
    if not db.exists():
        return {}
    sql = "SELECT status, count(*) FROM outbox WHERE platform='telegram' GROUP BY status"
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as c:
        try:
            return dict(c.execute(sql).fetchall())
        except sqlite3.OperationalError:  # not made yet: the bot is starting
            return {}


def replies(tg: FakeTelegram, chat: int, since: int) -> Callable[[], list[str]]:
    return lambda: texts(tg, chat)[since:]


async def test_a_store_that_cannot_write_sends_each_alert_once_and_tells_the_admins_once(
    tmp_path: Path, feed: FeedServer, tg: FakeTelegram
) -> None:
    db = tmp_path / "soiree.db"
    tg.owners.add((ADMIN, 42))
    feed.publish(races_doc(10, ["national"]))
    bot = await Bot.start(config(tmp_path, feed.url), tg)
    try:
        await wait_for(lambda: all(texts(tg, c) for c in CHATS), patience=30, what="alerts")
        await wait_for(lambda: outbox(db) == {"sent": 3}, patience=20, what="receipts")
        # Four more races: four alerts a chat, one a second per chat.
        feed.publish(races_doc(20, ["national", "r1", "r2", "r3", "r4"]))
        await wait_for(lambda: len(texts(tg, GROUP_A)) >= 2, patience=30, what="the next")
        bot.limit(NO_ROOM)  # the disk is full from now on
        await wait_for(lambda: any(DOWN in t for t in texts(tg, ADMIN)), patience=30, what="down")
        # A /pause while the store cannot write changes nothing, and says so.
        before = len(texts(tg, ADMIN))
        tg.push_command("/pause", chat_id=ADMIN, language="en")
        await wait_for(replies(tg, ADMIN, before), patience=20, what="the /pause reply")
        pause_reply = texts(tg, ADMIN)[before]
        # Three seconds of a full disk (sixty polls), with alerts due: the old bot sent the
        # one it could not record again every second.
        hits = len(feed.hits)
        await wait_for(lambda: len(feed.hits) >= hits + 60, patience=30, what="time")
        during = headlines(tg)
        bot.limit(UNLIMITED)
        await wait_for(lambda: any(BACK in t for t in texts(tg, ADMIN)), patience=30, what="back")
        await wait_for(lambda: outbox(db) == {"sent": 15}, patience=60, what="the rest sent")
    finally:
        await bot.stop()
    assert max(during.values()) == 1  # nothing sent twice while receipts could not be written
    counts = headlines(tg)
    assert set(counts.values()) == {1}
    assert {chat for chat, _ in counts} == set(CHATS)
    assert len(counts) == 15  # five races, three chats: each alert once, none lost
    admin = texts(tg, ADMIN)
    assert sum(DOWN in t for t in admin) == 1
    assert sum(BACK in t for t in admin) == 1
    assert "not paused" in pause_reply.lower()
    assert bot.logged("Traceback") == 0


async def test_a_pause_kept_while_the_store_cannot_write_and_a_resume_that_says_so(
    tmp_path: Path, feed: FeedServer, tg: FakeTelegram
) -> None:
    db = tmp_path / "soiree.db"
    tg.owners.add((ADMIN, 42))
    feed.publish(races_doc(10, ["national"]))
    bot = await Bot.start(config(tmp_path, feed.url), tg)
    try:
        await wait_for(lambda: outbox(db) == {"sent": 3}, patience=30, what="receipts")
        tg.push_command("/pause", chat_id=ADMIN, language="en")
        await wait_for(lambda: len(texts(tg, ADMIN)) >= 2, patience=20, what="paused")
        feed.publish(races_doc(20, ["national", "r1"]))
        await wait_for(lambda: outbox(db).get("pending") == 3, patience=20, what="queued")
        bot.limit(NO_ROOM)
        tg.push_command("/resume", chat_id=ADMIN, language="en")
        await wait_for(lambda: len(texts(tg, ADMIN)) >= 3, patience=20, what="the reply")
        resume_reply = texts(tg, ADMIN)[2]
        hits = len(feed.hits)
        await wait_for(lambda: len(feed.hits) >= hits + 40, patience=30, what="time")
        held = outbox(db)
        bot.limit(UNLIMITED)
        tg.push_command("/resume", chat_id=ADMIN, language="en")
        await wait_for(lambda: outbox(db) == {"sent": 6}, patience=30, what="resumed")
    finally:
        await bot.stop()
    assert "still paused" in resume_reply.lower()  # its reply says it could not be kept
    assert held == {"sent": 3, "pending": 3}  # and the pause held: nothing went out
    assert set(headlines(tg).values()) == {1}


def anomalous() -> bytes:
    """Return a version whose sums do not add up: an anomaly for the admin chats."""
    doc = feed_doc(20, {"hamon": 1200, "valls": 800}, counted=200)
    doc["races"][0]["turnout"]["valid"] = 2100
    return json.dumps(doc).encode()


async def test_an_admin_chat_that_unsubscribes_stays_an_admin_chat(
    tmp_path: Path, feed: FeedServer, tg: FakeTelegram
) -> None:
    tg.owners.add((ADMIN, 42))
    feed.publish(feed_bytes(10, {"hamon": 600, "valls": 400}, counted=50))
    bot = await Bot.start(config(tmp_path, feed.url), tg)
    try:
        await wait_for(lambda: texts(tg, ADMIN), patience=30, what="the first alert")
        tg.push_command("/unsubscribe", chat_id=ADMIN, language="en")
        await wait_for(lambda: len(texts(tg, ADMIN)) >= 2, patience=20, what="unsubscribed")
        feed.publish(anomalous())
        reported = lambda: any("differs" in t for t in texts(tg, ADMIN))  # noqa: E731
        await wait_for(reported, patience=20, what="the anomaly report")
        tg.push_command("/status", chat_id=ADMIN, language="en")
        status = lambda: [t for t in texts(tg, ADMIN) if t.startswith("Soirée running")]  # noqa: E731
        await wait_for(status, patience=20, what="the /status reply")
    finally:
        await bot.stop()
    admin = texts(tg, ADMIN)
    assert "Unsubscribed (1 subscription(s) removed)" in admin[1]
    assert "Inconsistent data" in admin[2]  # the anomaly reports still come
    assert len(status()) == 1  # and /status still answers there
    assert not any("Inconsistent" in t for t in texts(tg, GROUP_A))  # for admins only


# --- the CLI: a database where nobody can create a file ---------------------------------------

# As root, chmod stops nobody. /proc/self is a directory where no one, root included, can
# create a file; under a regular file no directory can be made at all.
UNWRITABLE: dict[str, Callable[[Path], str]] = {
    "a directory nobody can write": lambda _: "/proc/self/soiree.db",
    "a parent that is a file": lambda tmp: str(tmp / "afile" / "soiree.db"),
}


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_PROXY": "127.0.0.1"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=60, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("where", list(UNWRITABLE))
@pytest.mark.parametrize("command", ["run", "replay"])
def test_a_store_that_cannot_be_opened_is_one_line_and_exit_2(
    tmp_path: Path, where: str, command: str
) -> None:
    (tmp_path / "afile").write_text("not a directory", encoding="utf-8")
    db = UNWRITABLE[where](tmp_path)
    feed = tmp_path / "feed.json"
    feed.write_bytes(feed_bytes(10, {"hamon": 600, "valls": 400}, counted=50))
    if command == "run":
        path = config(tmp_path, "http://127.0.0.1:9/feed.json")
        args: list[Any] = ["run", "--config", str(path), "--db", db]
    else:
        args = ["replay", str(feed), "--db", db]
    done = cli(*args, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert "soiree.db" in lines[0]
    causes = ("No such file", "Not a directory", "File exists", "unable to open database file")
    assert any(cause in lines[0] for cause in causes), lines[0]
