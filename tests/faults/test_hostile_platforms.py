"""Hostile chat members and forged platform requests against the real process (`python -m
bot run`), a real feed server and the fake Telegram and Slack: edited commands, members
without rights, unsigned garbage, arguments thousands of characters long."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from tests.builders import feed_bytes
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import FakeTelegram
from tests.feedserver import FeedServer
from tests.support import (
    SECRET,
    chats,
    post,
    signed,
    slack_events_url,
    slash,
    start_bot,
    wait_for,
    write_config,
)

GROUP, PRIVATE, ADMIN = -3001, 4242, -3999
MEMBER, OWNER = 42, 7
GOOD = feed_bytes(10, {"hamon": 600, "valls": 400}, counted=50)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(scale=10)
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


def garbage(n: int) -> tuple[bytes, dict[str, str]]:
    """Return the n-th of a few kinds of unsigned or undecodable requests."""
    now = str(int(time.time()))
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    kinds: list[tuple[bytes, dict[str, str]]] = [
        (b"\xff\xfe\x00garbage" * 10, form),  # not UTF-8, no signature
        (
            b"\xff\xfe\x00garbage",
            {**form, "X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=00"},
        ),
        (
            b"command=%2Fresults",
            {**form, "X-Slack-Request-Timestamp": "yesterday", "X-Slack-Signature": "v0=00"},
        ),
        (b"{not json", {"Content-Type": "application/json"}),
        (b"payload=%7Bnot+json", form),
        (b"", {}),
    ]
    return kinds[n % len(kinds)]


async def test_unsigned_garbage_gets_401_and_one_log_line(
    tmp_path: Path, feed: FeedServer, tg: FakeTelegram, slack: FakeSlack
) -> None:
    # slack-bolt decoded the body before checking its signature: a 500 and a traceback each.
    feed.publish(GOOD)
    log = tmp_path / "bot.log"
    config = write_config(tmp_path, feed.url, extra=chats(GROUP))
    proc = await start_bot(config, tg, log, slack=slack)
    try:
        url = await slack_events_url(log)
        async with httpx.AsyncClient(trust_env=False) as client:
            statuses = [
                (await client.post(url, content=body, headers=headers)).status_code
                for body, headers in map(garbage, range(200))
            ]
            bad = [signed_raw(b"payload=%7Bnot+json"), signed_raw(b"{not json", json=True)]
            refused = [(await client.post(url, content=b, headers=h)).status_code for b, h in bad]
        await wait_for(lambda: texts(tg, GROUP), patience=20, what="the first alert")
        body, headers = signed(slash(slack, "/results"))
        good = await post(url, body, headers)
        await wait_for(lambda: slack.responses, patience=20, what="the /results reply")
    finally:
        proc.terminate()
        await proc.wait()
    stderr = log.read_text(encoding="utf-8")
    assert statuses == [401] * 200
    assert refused == [400, 400]
    assert good.status_code == 200
    assert "Primaire" in slack.responses[0][1]["text"]
    assert "Traceback" not in stderr
    assert sum("slack: refused" in line for line in stderr.splitlines()) <= 1
    assert len(stderr.splitlines()) < 40, stderr


def signed_raw(body: bytes, *, json: bool = False) -> tuple[bytes, dict[str, str]]:
    """Return a body signed with the app's secret, as Slack signs what it sends."""
    ts = str(int(time.time()))
    headers = {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
        "Content-Type": "application/json" if json else "application/x-www-form-urlencoded",
    }
    return body, headers
