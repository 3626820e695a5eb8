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
from tests.faults.support import texts
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
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(scale=10)
    await fake.start()
    yield fake
    await fake.stop()


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


async def test_telegram_admin_commands_need_a_group_administrator(
    tmp_path: Path, feed: FeedServer, tg: FakeTelegram
) -> None:
    # In the admin group, a member who was no group administrator could /pause, /resume
    # and /announce to every chat.
    feed.publish(GOOD)
    promoted = 8
    tg.owners.add((ADMIN, OWNER))
    tg.admins.add((ADMIN, promoted))
    config = write_config(tmp_path, feed.url, extra=chats(GROUP) + admin_chat(ADMIN))
    proc = await start_bot(config, tg, tmp_path / "bot.log")
    admin = lambda: texts(tg, ADMIN)  # noqa: E731

    async def say(text: str, *, user: int = MEMBER, anonymous: bool = False) -> str:
        seen = len(admin())
        tg.push_command(text, chat_id=ADMIN, user_id=user, sender_chat=anonymous)
        await wait_for(lambda: len(admin()) > seen, patience=20, what=f"the reply to {text}")
        return admin()[seen]

    try:
        await wait_for(lambda: texts(tg, GROUP) and admin(), patience=20, what="first alerts")
        refused = [await say(t) for t in ("/pause", "/resume", "/announce Member's news")]
        refused.append(await say("/subscribe national"))
        paused = await say("/pause", anonymous=True)  # an anonymous administrator
        resumed = await say("/resume", user=OWNER)
        tg.push_command("/announce Doors open", chat_id=ADMIN, user_id=promoted)
        await wait_for(lambda: any("Doors open" in t for t in texts(tg, GROUP)), patience=20)
        queued = lambda: [t for t in admin() if t.startswith("Announcement queued")]  # noqa: E731
        await wait_for(queued, patience=20, what="the promoted admin's reply")
    finally:
        proc.terminate()
        await proc.wait()
    who = "Only the group's administrators can"
    assert refused == [
        f"{who} run /pause, even in an admin chat.",
        f"{who} run /resume, even in an admin chat.",
        f"{who} run /announce, even in an admin chat.",
        f"{who} manage subscriptions.",
    ]
    assert paused.startswith("⏸")
    assert resumed.startswith("▶")
    assert not any("Member's news" in t for t in texts(tg, GROUP))
    members = [c.params["user_id"] for c in tg.answered("getchatmember")]
    assert set(members) == {MEMBER, OWNER, promoted}  # never asked of the anonymous one


async def test_slack_settings_and_admin_commands_need_an_admin_or_a_manager(
    tmp_path: Path, feed: FeedServer, tg: FakeTelegram, slack: FakeSlack
) -> None:
    # Any channel member could subscribe or unsubscribe the channel, start the live board,
    # change the charts, and in the admin channel pause alerts or announce to every chat.
    feed.publish(GOOD)
    slack.users |= {f"U{n}": {"name": f"user{n}", "is_admin": False} for n in (3, 4, 5)}
    slack.usergroups["S1"] = ["U4"]
    top = '[slack]\nmanagers = ["U3", "S1"]\n'
    extra = chats(GROUP) + admin_chat("CADMIN", "slack")
    log = tmp_path / "bot.log"
    proc = await start_bot(write_config(tmp_path, feed.url, extra=extra, top=top), tg, log, slack)

    async def say(user: str, text: str, channel: str) -> str:
        seen = len(slack.responses)
        body, headers = signed(slash(slack, "/soiree", text, channel=channel, user=user))
        assert (await post(url, body, headers)).status_code == 200
        await wait_for(lambda: len(slack.responses) > seen, patience=20, what=text)
        return str(slack.responses[-1][1]["text"])

    try:
        url = await slack_events_url(log)
        await wait_for(lambda: texts(tg, GROUP), patience=20, what="the first alert")
        member = [
            await say("U2", text, channel)
            for text, channel in [
                ("subscribe national", "C07"), ("unsubscribe", "C07"), ("live on", "C07"),
                ("charts off", "C07"), ("pause", "CADMIN"), ("announce Member's news", "CADMIN"),
            ]
        ]  # fmt: skip
        results = await say("U2", "results", "C07")
        managers = [await say(u, "subscribe national", f"C{u}") for u in ("U3", "U4", "U1")]
        outsider = await say("U5", "subscribe national", "C08")
        paused = await say("U1", "pause", "CADMIN")
    finally:
        proc.terminate()
        await proc.wait()
    who = "Only workspace admins, owners and the managers named in Soirée's config can"
    assert member == [
        f"{who} manage subscriptions.", f"{who} manage subscriptions.",
        f"{who} start or stop the live scoreboard.", f"{who} choose the charts.",
        f"{who} run /pause, even in an admin chat.", f"{who} run /announce, even in an admin chat.",
    ]  # fmt: skip
    assert "Primaire" in results  # anyone may still ask
    assert managers == ["Subscribed: national (en)."] * 3
    assert outsider == f"{who} manage subscriptions."
    assert paused.startswith("⏸")
    asked = [c.params.get("user") for c in slack.calls if c.method == "users.info"]
    assert asked.count("U2") == 1  # kept a minute: six commands, one question
    assert "U3" not in asked  # named in the config: no question
