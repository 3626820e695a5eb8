"""Platform faults against the real process (`python -m bot run`) and the fake Telegram and
Slack APIs: each one loses nothing, and nothing it retries arrives twice."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.builders import feed_doc
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import FakeTelegram
from tests.support import wait_for

ROOT = Path(__file__).resolve().parents[2]
GROUP, OTHER, NEW_ID = -4001, -4002, -1004001
CHANNEL = "C4001"


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeTelegram, FakeSlack]]:
    tg, slack = FakeTelegram(), FakeSlack()
    await tg.start()
    await slack.start()
    yield tg, slack
    await tg.stop()
    await slack.stop()


def config(tmp_path: Path) -> Path:
    path = tmp_path / "soiree.toml"
    path.write_text(
        f"""
locale = "en"
db = "soiree.db"
dispatch_interval = 0.05

[charts]
send_with = []  # alerts as text: these tests are about delivery, tests/test_charts.py about charts

[[sources]]
id = "feed"
path = "feed.json"
interval = 0.05

[[chats]]
platform = "telegram"
id = {GROUP}

[[chats]]
platform = "telegram"
id = {OTHER}

[[chats]]
platform = "slack"
id = "{CHANNEL}"
""",
        encoding="utf-8",
    )
    (tmp_path / "feed.json").write_text(
        json.dumps(feed_doc(10, {"hamon": 60, "valls": 40}, counted=50)), encoding="utf-8"
    )
    return path


Fault = Callable[[FakeTelegram, FakeSlack], None]
FAULTS: dict[str, Fault] = {
    "telegram 429": lambda tg, _: tg.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 1",
        parameters={"retry_after": 1}, chat_id=GROUP,
    ),
    "telegram 5xx storm": lambda tg, _: tg.fail_next(
        "sendMessage", 502, "Bad Gateway", chat_id=GROUP, times=3
    ),
    "telegram 403": lambda tg, _: tg.fail_next(
        "sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=GROUP
    ),
    "telegram migration": lambda tg, _: tg.fail_next(
        "sendMessage", 400, "Bad Request: group chat was upgraded to a supergroup chat",
        parameters={"migrate_to_chat_id": NEW_ID}, chat_id=GROUP,
    ),
    "telegram timeout": lambda tg, _: tg.stall_next("sendMessage", 2.0, chat_id=GROUP),
    "slack 429": lambda _, slack: slack.fail_next(
        "chat.postMessage", error="ratelimited", status=429, headers={"Retry-After": "1"},
        channel=CHANNEL,
    ),
    "slack archived": lambda _, slack: slack.fail_next(
        "chat.postMessage", error="is_archived", channel=CHANNEL
    ),
}  # fmt: skip


def disabled(tmp_path: Path, platform: str, chat: str) -> bool:
    """Read the running bot's store: is this chat's subscription disabled, its queue empty?"""
    with sqlite3.connect(tmp_path / "soiree.db") as db:
        active = db.execute(
            "SELECT count(*) FROM subscriptions WHERE platform=? AND chat_id=? AND active=1",
            (platform, chat),
        ).fetchone()[0]
        pending = db.execute(
            "SELECT count(*) FROM outbox WHERE platform=? AND chat_id=? AND status='pending'",
            (platform, chat),
        ).fetchone()[0]
    return active == 0 and pending == 0


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_platform_fault(tmp_path: Path, fakes, fault: str) -> None:
    tg, slack = fakes
    FAULTS[fault](tg, slack)
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url,
           "TELEGRAM_POLL_TIMEOUT": "1", "TELEGRAM_TIMEOUT": "0.5",
           "SLACK_BOT_TOKEN": slack.bot_token,
           "SLACK_SIGNING_SECRET": "s", "SLACK_API_BASE_URL": slack.api_url,
           "SLACK_HTTP_HOST": "127.0.0.1", "PORT": "0", "NO_PROXY": "127.0.0.1"}  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config(tmp_path)),
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    target = NEW_ID if fault == "telegram migration" else GROUP
    gone = fault in ("telegram 403", "slack archived")
    try:
        await wait_for(lambda: tg.sent(OTHER) and slack.calls, patience=20, what="fan-out")
        if fault.startswith("telegram") and not gone:
            await wait_for(lambda: tg.sent(target), patience=30, what="the retried alert")
        if fault.startswith("slack") and not gone:
            await wait_for(lambda: slack.posted(CHANNEL), patience=30, what="the retried post")
        if gone:
            platform, chat = ("telegram", str(GROUP)) if "telegram" in fault else ("slack", CHANNEL)
            await wait_for(lambda: disabled(tmp_path, platform, chat), patience=20)
    finally:
        proc.terminate()
        await proc.wait()
    assert len(tg.sent(OTHER)) == 1  # the healthy group is untouched by the fault
    if fault == "telegram timeout":
        first, second = [c.t for c in tg.calls if c.params.get("chat_id") == GROUP][:2]
        assert second - first < 2.0  # the bot gave up after its 0.5 s timeout and retried
    if fault.startswith("telegram"):
        assert len(tg.sent(target)) == (0 if gone else 1)
    else:
        assert len(slack.posted(CHANNEL)) == (0 if gone else 1)
    if gone:
        attempts = [c for c in tg.calls if c.params.get("chat_id") == GROUP] + [
            c for c in slack.calls if c.params.get("channel") == CHANNEL
        ]
        refused = [c for c in attempts if c.status != 200 or getattr(c, "error", None)]
        assert len(refused) == 1  # a gone chat is not retried
