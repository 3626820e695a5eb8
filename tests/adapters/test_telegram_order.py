"""Telegram updates: different chats at once, one chat's in the order they came, inline
queries (no chat) waiting for none; through PTB's own process_update."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from telegram import Chat, InlineQuery, Message, Update, User

from bot.adapters.telegram_order import InChatOrder

USER = User(id=7, first_name="Ana", is_bot=False)


def in_chat(update_id: int, chat_id: int) -> Update:
    chat = Chat(id=chat_id, type="group")
    message = Message(message_id=update_id, date=datetime(2017, 1, 29, tzinfo=UTC), chat=chat)
    return Update(update_id=update_id, message=message)


async def until(condition: Callable[[], bool]) -> None:
    """Let the loop run the tasks until `condition` holds (a few turns, never a sleep)."""
    for _ in range(100):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("not reached in 100 turns of the loop")


def inline(update_id: int) -> Update:
    query = InlineQuery(id=str(update_id), from_user=USER, query="paris", offset="")
    return Update(update_id=update_id, inline_query=query)


async def test_a_chats_updates_wait_for_one_another_and_no_one_else() -> None:
    order = InChatOrder()
    begun: list[str] = []
    held = asyncio.Event()

    async def handle(name: str, release: asyncio.Event | None = None) -> None:
        begun.append(name)
        if release is not None:
            await release.wait()

    first = asyncio.create_task(order.process_update(in_chat(1, -1), handle("a1", held)))
    await until(lambda: begun == ["a1"])
    second = asyncio.create_task(order.process_update(in_chat(2, -1), handle("a2")))
    await until(lambda: order.waiting(-1) == 2)
    await order.process_update(in_chat(3, -2), handle("b1"))  # another chat: not held up
    await order.process_update(inline(4), handle("inline"))  # no chat: not held up
    assert begun == ["a1", "b1", "inline"]
    assert order.chats_in_hand() == 1
    assert order.waiting(-1) == 2  # a2 still waits for a1
    held.set()
    await asyncio.gather(first, second)
    assert begun == ["a1", "b1", "inline", "a2"]  # after a1, in the order it came
    assert order.chats_in_hand() == 0  # nothing kept once a chat's updates are done


async def test_a_failing_update_lets_its_chats_next_one_go() -> None:
    order = InChatOrder()
    done: list[int] = []

    async def fail() -> None:
        raise RuntimeError("a handler's error")

    async def note() -> None:
        done.append(2)

    failed = asyncio.create_task(order.process_update(in_chat(1, -1), fail()))
    await until(failed.done)
    await order.process_update(in_chat(2, -1), note())
    assert done == [2]
    assert isinstance(failed.exception(), RuntimeError)
    assert order.chats_in_hand() == 0
