"""Who may manage a Telegram chat: a private chat's user, a channel's posts (only its
administrators post there), a group's administrators, by name or sent as the group."""

from __future__ import annotations

import logging

from telegram import Bot, Chat
from telegram import Message as TgMessage
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

log = logging.getLogger(__name__)


async def may_manage(bot: Bot, msg: TgMessage, chat: Chat) -> bool:
    """Return True when the message's sender may change the chat's settings."""
    if chat.type in (ChatType.PRIVATE, ChatType.CHANNEL):
        return True
    return await _group_admin(bot, msg, chat.id)


async def _group_admin(bot: Bot, msg: TgMessage, chat_id: int) -> bool:
    """Return True when a group's administrator sent the message: by name, or anonymously
    as the group itself (from GroupAnonymousBot, with the group as sender_chat; a channel
    posting into the group, or a member posting as their channel, is no administrator)."""
    if msg.sender_chat is not None:
        return msg.sender_chat.id == chat_id
    return msg.from_user is not None and await is_admin(bot, chat_id, msg.from_user.id)


async def is_admin(bot: Bot, chat_id: int | str, user_id: int) -> bool:
    """Return True when getChatMember says the user administers or owns the chat."""
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        log.warning("telegram: getChatMember failed in %s: %s", chat_id, exc)
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
