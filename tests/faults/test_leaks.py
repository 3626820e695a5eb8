"""Credentials in a feed URL, against the real process (`python -m bot run`), a real feed
server and the fake Telegram: a source that fails and goes stale names its URL everywhere
Soirée writes it (logs, the admins' notice, the store, check-config), never its secrets."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tests.builders import feed_bytes
from tests.fakes.telegram import FakeTelegram
from tests.faults.support import night_config, texts
from tests.feedserver import FeedServer
from tests.support import ROOT, start_bot, wait_for

GROUP, ADMIN = -3001, -3999
GOOD = feed_bytes(10, {"hamon": 600, "valls": 400}, counted=50)
PASSWORD, TOKEN, KEY = "S3cretPassw0rd", "T0kenValue42", "K3yValue99"
SECRETS = (PASSWORD, TOKEN, KEY)


def secret_url(url: str) -> str:
    """Return the feed server's URL with a password and two keys in it."""
    with_user = url.replace("http://", f"http://feeduser:{PASSWORD}@", 1)
    return f"{with_user}?dept=075&access_token={TOKEN}&API_Key={KEY}"


def config(tmp_path: Path, url: str) -> Path:
    keys = {"timeout": 0.5, "stale_after": 1.0}
    return night_config(tmp_path, {"feed": url}, groups=[GROUP], admins=[ADMIN], keys=keys)


def leaks(text: str | bytes) -> list[str]:
    """Return the secrets found in a text or in bytes."""
    data = text.encode() if isinstance(text, str) else text
    return [s for s in SECRETS if s.encode() in data]


async def test_a_failing_source_with_credentials_leaks_none_of_them(
    tmp_path: Path, feed: FeedServer, tg: FakeTelegram
) -> None:
    feed.publish(GOOD)
    log = tmp_path / "bot.log"
    proc = await start_bot(config(tmp_path, secret_url(feed.url)), tg, log)
    try:
        await wait_for(lambda: texts(tg, GROUP), patience=20, what="the first alert")
        feed.publish(GOOD[: len(GOOD) // 2])  # a version that cannot be read: an ERROR line
        await wait_for(lambda: "rejected feed version" in log.read_text(), patience=20)
        feed.script.extend([(500, b"oops")] * 100_000)  # then failing: WARNING, stale notice
        notice = lambda: [t for t in texts(tg, ADMIN) if "silent since" in t]  # noqa: E731
        await wait_for(notice, patience=20, what="the stale notice")
    finally:
        proc.terminate()
        await proc.wait()
    stderr = log.read_text(encoding="utf-8")
    assert "source feed is failing: http://***@127.0.0.1:" in stderr
    assert "/feed.json: HTTP 500" in notice()[0]
    assert "***@" in notice()[0]
    assert leaks(stderr) == []
    assert [c.method for c in tg.calls if leaks(repr(c.params))] == []
    for name in ("soiree.db", "soiree.db-wal"):
        stored = tmp_path / name
        assert not stored.exists() or leaks(stored.read_bytes()) == [], name


def test_check_config_names_a_bad_url_without_its_secrets(tmp_path: Path) -> None:
    bad = secret_url("http://127.0.0.1:9/feed.json").replace("http://", "ftp://")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check-config", str(config(tmp_path, bad))],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    shown = "ftp://***@127.0.0.1:9/feed.json?dept=075&access_token=***&API_Key=***"
    assert f"sources[0].url = '{shown}'" in result.stderr
    assert leaks(result.stderr + result.stdout) == []


async def test_fetch_names_a_failing_url_without_its_secrets(feed: FeedServer) -> None:
    feed.publish(GOOD[: len(GOOD) // 2])  # unreadable: the parser's error names its origin
    for script in ([], [(500, b"oops")]):
        feed.script.extend(script)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "fetch", secret_url(feed.url), cwd=ROOT,
            env={**os.environ, "NO_PROXY": "127.0.0.1"}, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        _, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 1
        assert err.decode().startswith("error: http://***@127.0.0.1:"), err
        assert leaks(err) == []
