"""What a platform hands the commands: the text, who may manage the chat, which message."""

from __future__ import annotations

from bot.commands import Request


def test_a_command_message_is_named_by_its_platform_chat_and_id() -> None:
    req = Request(platform="telegram", chat_id="-1001", text="/announce x", message_id="17")
    assert req.command_key == "telegram:-1001:17"


def test_a_command_without_a_message_id_has_no_key() -> None:
    assert Request(platform="console", chat_id="console", text="/announce x").command_key is None
