"""Hostile chat members and forged platform requests against the real process (`python -m
bot run`), a real feed server and the fake Telegram and Slack: edited commands, members
without rights, unsigned garbage, arguments thousands of characters long."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.builders import feed_bytes
from tests.fakes.telegram import FakeTelegram
from tests.feedserver import FeedServer
from tests.support import chats, start_bot, wait_for, write_config

GROUP, PRIVATE = -3001, 4242
GOOD = feed_bytes(10, {"hamon": 600, "valls": 400}, counted=50)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


def texts(tg: FakeTelegram, chat: int) -> list[str]:
    return [c.params["text"] for c in tg.sent(chat)]


async def test_a_long_argument_is_quoted_in_60_characters(
    tmp_path: Path, feed: FeedServer, tg: FakeTelegram
) -> None:
    # /results with a 4,000-character argument echoed it back over three messages.
    feed.publish(GOOD)
    config = write_config(tmp_path, feed.url, extra=chats(GROUP))
    proc = await start_bot(config, tg, tmp_path / "bot.log")
    try:
        await wait_for(lambda: texts(tg, GROUP), patience=20, what="the first alert")
        long = "x" * 4000
        for command in ("/results", "/turnout", "/subscribe", "/live on"):
            tg.push_command(f"{command} {long}", chat_id=PRIVATE, chat_type="private")
        await wait_for(lambda: len(texts(tg, PRIVATE)) >= 4, patience=30, what="the replies")
    finally:
        proc.terminate()
        await proc.wait()
    replies = texts(tg, PRIVATE)
    assert len(replies) == 4
    for reply in replies:
        assert "x" * 60 + "…" in reply, reply[:200]
        assert "x" * 61 not in reply
        assert len(reply) < 300
