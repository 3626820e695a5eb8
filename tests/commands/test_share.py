"""/share gives the deep link and its QR code; /start <payload> subscribes to what it names."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.commands import Commands, Request
from bot.deeplinks import BotLinks
from bot.store import Store, open_store
from tests.commands.support import ALL, commands_of, commit, demo_config


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    s = await open_store(":memory:")
    await commit(s, *ALL)
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
def links() -> BotLinks:
    return BotLinks(username="SoireeBot")


@pytest.fixture
def commands(store: Store, links: BotLinks) -> Commands:
    return commands_of(store, demo_config(), links=links)


def request(text: str, *, chat_id: str = "77", can_manage: bool = True, locale: str = "fr"):
    return Request(platform="telegram", chat_id=chat_id, text=text, can_manage=can_manage,
                   locale_hint=locale)  # fmt: skip


async def test_share_answers_the_link_and_its_qr_code(commands: Commands) -> None:
    reply = await commands.handle(request("/share 02A"))
    assert reply is not None
    assert "https://t.me/SoireeBot?start=D02A" in reply.text
    assert "Corse-du-Sud" in reply.text
    assert reply.image is not None
    assert reply.image.data is not None
    assert reply.image.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert "QR" in reply.image.alt


async def test_share_without_a_race_links_to_the_main_races(commands: Commands) -> None:
    reply = await commands.handle(request("/partager"))
    assert reply is not None
    assert "https://t.me/SoireeBot?start=main" in reply.text
    assert "les courses principales" in reply.text


async def test_share_of_an_area_and_of_an_odd_id(commands: Commands) -> None:
    area = await commands.handle(request("/share zone 02A"))
    odd = await commands.handle(request("/share légis:01-01", locale="en"))
    assert area is not None
    assert "?start=zone-02A" in area.text
    assert odd is not None
    assert "?start=b64-" in odd.text
    assert "Ain, 1re circonscription" in odd.text


async def test_share_of_an_unknown_race_says_so(commands: Commands) -> None:
    reply = await commands.handle(request("/share Atlantide"))
    assert reply is not None
    assert "Atlantide" in reply.text
    assert reply.image is None


async def test_share_before_telegram_knows_its_name(store: Store) -> None:
    commands = commands_of(store, demo_config(), links=BotLinks())
    reply = await commands.handle(request("/share", locale="en"))
    assert reply is not None
    assert reply.text == "Soirée is not running on Telegram, so it has no link to share."


async def test_each_shared_link_subscribes_who_opens_it(commands: Commands, store: Store):
    for query, expected in (("02A", "D02A"), ("zone 02A", "area:02A"),
                            ("légis:01-01", "légis:01-01"), ("", "national")):  # fmt: skip
        shared = await commands.handle(request(f"/share {query}".strip()))
        assert shared is not None
        payload = shared.text.rsplit("?start=", 1)[1]
        chat = f"user-{expected}"
        reply = await commands.handle(request(f"/start {payload}", chat_id=chat))
        assert reply is not None
        assert reply.text.startswith("Abonné : "), reply.text
        assert "/unsubscribe" in reply.text
        assert [s.race for s in await store.subscriptions("telegram", chat)] == [expected]


async def test_start_alone_is_help(commands: Commands, store: Store) -> None:
    reply = await commands.handle(request("/start"))
    assert reply is not None
    assert reply.text.startswith("Soirée, les résultats")
    assert await store.subscriptions("telegram", "77") == []


async def test_start_with_a_payload_we_never_made(commands: Commands, store: Store) -> None:
    unknown = await commands.handle(request("/start b64-%%%"))
    gone = await commands.handle(request("/start D099"))
    assert unknown is not None
    assert unknown.text == ("Ce lien ne désigne rien que Soirée connaisse. Tapez /aide.")
    assert gone is not None
    assert "D099" in gone.text
    assert await store.subscriptions("telegram", "77") == []


async def test_a_group_member_following_a_link_is_refused(commands: Commands, store: Store):
    reply = await commands.handle(request("/start D02A", chat_id="-1001", can_manage=False))
    assert reply is not None
    assert "administrateurs" in reply.text
    assert await store.subscriptions("telegram", "-1001") == []
