"""Who may manage a Telegram chat, asked of the fake Bot API through the real client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot, Chat
from telegram import Message as TgMessage
from telegram.request import HTTPXRequest

from bot.adapters.telegram_rights import is_admin, may_manage
from tests.fakes.telegram import ANONYMOUS_ADMIN, FakeTelegram

GROUP, CHANNEL = -1001, -100777


@pytest.fixture
async def bot() -> AsyncIterator[tuple[Bot, FakeTelegram]]:
    tg = FakeTelegram()
    await tg.start()
    tg.owners.add((GROUP, 7))
    tg.admins.add((GROUP, 8))
    client = Bot(tg.token, base_url=tg.base_url,
                 request=HTTPXRequest(httpx_kwargs={"trust_env": False}))  # fmt: skip
    async with client:
        yield client, tg
    await tg.stop()


def message(bot: Bot, chat: dict[str, Any], **sender: Any) -> tuple[TgMessage, Chat]:
    data = {"message_id": 1, "date": 0, "chat": chat, "text": "/subscribe", **sender}
    msg = TgMessage.de_json(data, bot)
    return msg, msg.chat


def user(user_id: int) -> dict[str, Any]:
    return {"from": {"id": user_id, "is_bot": False, "first_name": "U"}}


async def test_a_private_chats_user_and_a_channels_posts_manage(bot) -> None:
    client, tg = bot
    private = message(client, {"id": 77, "type": "private"}, **user(77))
    channel_chat = {"id": CHANNEL, "type": "channel", "title": "Soirée"}
    post = message(client, channel_chat, sender_chat=channel_chat)
    assert await may_manage(client, *private)
    assert await may_manage(client, *post)
    assert not [c for c in tg.calls if c.method == "getchatmember"]  # nothing to ask


async def test_in_a_group_its_administrators_by_name_or_as_the_group(bot) -> None:
    client, _tg = bot
    group = {"id": GROUP, "type": "supergroup", "title": "G"}
    assert await may_manage(client, *message(client, group, **user(7)))  # the creator
    assert await may_manage(client, *message(client, group, **user(8)))  # promoted
    assert not await may_manage(client, *message(client, group, **user(9)))
    anonymous = message(client, group, sender_chat=group, **{"from": ANONYMOUS_ADMIN})
    assert await may_manage(client, *anonymous)
    other = {"id": CHANNEL, "type": "channel", "title": "C"}
    as_channel = message(client, group, sender_chat=other, **{"from": ANONYMOUS_ADMIN})
    assert not await may_manage(client, *as_channel)  # a channel posting into the group


async def test_a_failed_question_is_a_no(bot) -> None:
    client, tg = bot
    tg.fail_next("getChatMember", 400, "Bad Request: chat not found")
    assert not await is_admin(client, GROUP, 7)
