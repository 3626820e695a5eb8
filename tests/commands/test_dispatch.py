"""Running a chat's text: not a command is no reply, an unknown word is said unknown, an
admin command runs in admin chats only (the config's, whatever they follow; unknown where no
Admin is wired), the rest run their handler from the command table; a change the store cannot
keep is not made, and the reply says so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC

import pytest

from bot.admin import Admin, AdminControls
from bot.audience import AdminChats
from bot.commands import Commands, Request
from bot.display import Display
from bot.rules import Rules
from bot.store import Store, Subscription, open_store
from tests.builders import at
from tests.store.backends import fill_up, make_room

# The admin chats, as the config names them.
ADMINS = AdminChats({("console", "ops"): "en", ("telegram", "ops"): "en"})


@dataclass
class Switch:
    """Holds announcements back while paused, as the dispatcher does."""

    paused: bool = False


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    s = await open_store(":memory:")
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
def commands(store: Store) -> Commands:
    """The commands as the console has them, in French, with no Admin wired."""
    return Commands(store, Display(locale="fr", tz=UTC), Rules())


@pytest.fixture
def switch() -> Switch:
    return Switch()


@pytest.fixture
def with_admin(store: Store, switch: Switch) -> Commands:
    """The commands with the admin controls wired, replying in English."""
    controls = AdminControls(store, switch, [], {}, clock=lambda: at(0), wake=lambda: None)
    return Commands(
        store, Display(locale="en", tz=UTC), Rules(), admin=Admin(store, controls), admins=ADMINS
    )


async def ask(commands: Commands, text: str, chat: str = "chat-1") -> str:
    reply = await commands.handle(Request(platform="console", chat_id=chat, text=text))
    assert reply is not None, text
    return reply.text


async def test_unknown_command(commands: Commands) -> None:
    assert await ask(commands, "/météo paris") == "Commande inconnue : /météo. Tapez /help."
    assert await ask(commands, "/Foo@SoireeBot") == "Commande inconnue : /foo. Tapez /help."


@pytest.mark.parametrize("text", ["bonsoir", "", "   ", "results /results", "résultats ?"])
async def test_non_command_text_returns_none(commands: Commands, text: str) -> None:
    assert await commands.handle(Request(platform="console", chat_id="chat-1", text=text)) is None


async def test_a_command_runs_its_handler_by_any_of_its_words(commands: Commands) -> None:
    help_text = await ask(commands, "/help")
    assert help_text.startswith("Soirée, les résultats de la soirée électorale.")
    assert await ask(commands, "/AIDE@SoireeBot") == help_text


async def test_help_shows_the_admin_commands_in_admin_chats_only(with_admin: Commands) -> None:
    assert "/pause" not in await ask(with_admin, "/help")
    admin_help = await ask(with_admin, "/help", chat="ops")
    assert "\nIn this admin chat:\n/pause — " in admin_help
    assert "/announce <text> — " in admin_help


async def test_admin_commands_are_unknown_where_no_admin_is_wired(store: Store) -> None:
    commands = Commands(store, Display(locale="fr", tz=UTC), Rules(), admins=ADMINS)
    assert await ask(commands, "/pause", chat="ops") == "Commande inconnue : /pause. Tapez /help."


async def test_admin_commands_run_in_admin_chats_only(
    with_admin: Commands, store: Store, switch: Switch
) -> None:
    assert await ask(with_admin, "/pause") == "This command is for admin chats only."
    assert not switch.paused
    assert (await ask(with_admin, "/pause", chat="ops")).startswith("⏸")
    assert switch.paused


async def test_an_admin_chat_stays_one_whatever_it_follows(
    with_admin: Commands, store: Store, switch: Switch
) -> None:
    await store.subscribe(Subscription(platform="console", chat_id="ops", race="*", locale="en"))
    assert (await ask(with_admin, "/unsubscribe", chat="ops")).startswith("Unsubscribed (1")
    assert (await ask(with_admin, "/status", chat="ops")).startswith("Soirée running")
    await store.subscribe(Subscription(platform="console", chat_id="x", race="*", locale="en"))
    assert await ask(with_admin, "/status", chat="x") == "This command is for admin chats only."


async def test_a_change_the_store_cannot_keep_is_not_made_and_the_reply_says_so(
    with_admin: Commands, store: Store, switch: Switch
) -> None:
    for chat in ("a", "b", "c"):
        await store.subscribe(Subscription(platform="console", chat_id=chat, race="*", locale="en"))
    await fill_up(store)  # a real database with no room left
    pause = await ask(with_admin, "/pause", chat="ops")
    assert pause.startswith("⚠ Not paused: the store cannot write")
    assert pause.endswith("Announcements are still running.")
    assert not switch.paused  # nothing changed, in memory either
    assert await store.setting("paused") is None
    refused = await ask(with_admin, "/announce " + "Doors open. " * 240, chat="ops")
    assert refused.startswith("⚠ Not done: the store cannot write just now")
    assert await store.outbox_counts() == {}
    await make_room(store)
    assert (await ask(with_admin, "/pause", chat="ops")).startswith("⏸")
    assert switch.paused
    assert await store.setting("paused") == "1"


async def test_an_announcement_is_queued_once_per_command_message(
    with_admin: Commands, store: Store
) -> None:
    for chat in ("ops", "group"):
        await store.subscribe(
            Subscription(platform="telegram", chat_id=chat, race="*", locale="en")
        )  # fmt: skip

    async def announce(message_id: str) -> None:
        req = Request(platform="telegram", chat_id="ops", text="/announce Doors open",
                      message_id=message_id)  # fmt: skip
        await with_admin.handle(req)

    await announce("17")
    await announce("17")  # the same message seen again: an update delivered twice
    assert (await store.outbox_counts()).get("pending") == 2  # one per chat
    await announce("18")  # another message, at the same instant
    assert (await store.outbox_counts()).get("pending") == 4


@pytest.mark.parametrize("command", ["/pause", "/resume", "/status", "/announce Doors open"])
async def test_admin_commands_need_a_manager_of_the_admin_chat(
    with_admin: Commands, store: Store, switch: Switch, command: str
) -> None:
    req = Request(platform="telegram", chat_id="ops", text=command, can_manage=False)
    reply = await with_admin.handle(req)
    assert reply is not None
    name = command.split()[0]
    assert reply.text == f"Only the group's administrators can run {name}, even in an admin chat."
    assert not switch.paused
    assert await store.outbox_counts() == {}
