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

GROUP, PRIVATE, ADMIN = -3001, 4242, -3999
MEMBER, OWNER = 42, 7
GOOD = feed_bytes(10, {"hamon": 600, "valls": 400}, counted=50)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


def texts(tg: FakeTelegram, chat: int) -> list[str]:
    return [c.params["text"] for c in tg.sent(chat)]


def admin_chat(chat_id: int | str, platform: str = "telegram") -> str:
    """Return the config table of an admin chat."""
    shown = chat_id if isinstance(chat_id, int) else f'"{chat_id}"'
    return f'\n[[chats]]\nplatform = "{platform}"\nid = {shown}\nadmin = true\nlocale = "en"\n'


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


async def test_an_edited_announcement_is_not_broadcast_again(
    tmp_path: Path, feed: FeedServer, tg: FakeTelegram
) -> None:
    # Editing "/announce Polls close…" broadcast it a second time to every chat.
    feed.publish(GOOD)
    tg.owners.add((ADMIN, OWNER))
    config = write_config(tmp_path, feed.url, extra=chats(GROUP) + admin_chat(ADMIN))
    proc = await start_bot(config, tg, tmp_path / "bot.log")
    announced = lambda word: [t for t in texts(tg, GROUP) if word in t]  # noqa: E731
    try:
        await wait_for(lambda: texts(tg, GROUP), patience=20, what="the first alert")
        first = tg.push_command("/announce Polls close at 8", chat_id=ADMIN, user_id=OWNER)
        await wait_for(lambda: announced("Polls close"), patience=20, what="the announcement")
        tg.edit_command(first, "/announce Polls close at 8 pm", chat_id=ADMIN, user_id=OWNER)
        await wait_for(tg.fetched, patience=20, what="the edit taken")
        # The same message once more, as Telegram delivers an update nobody confirmed.
        tg.push_command("/announce Polls close at 8", chat_id=ADMIN, user_id=OWNER,
                        message_id=first)  # fmt: skip
        await wait_for(tg.fetched, patience=20, what="the repeat taken")
        tg.push_command("/announce Doors open", chat_id=ADMIN, user_id=OWNER)
        await wait_for(lambda: announced("Doors open"), patience=20, what="the next one")
    finally:
        proc.terminate()
        await proc.wait()
    assert len(announced("Polls close")) == 1
    assert announced("8 pm") == []
    assert len(announced("Doors open")) == 1
