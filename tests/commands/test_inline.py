"""Inline queries answered from the store with the commands' lookup: cards, their language,
their charts, and the button that subscribes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import pytest

from bot.charts import Charts
from bot.commands.inline import Inline
from bot.config import ChartsConfig
from bot.store import Store, open_store
from tests.commands.support import ALL, commands_of, commit, demo_config

NBSP, NNBSP = "\xa0", "\u202f"


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    s = await open_store(":memory:")
    await commit(s, *ALL)
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
def inline(store: Store) -> Inline:
    return Inline(commands_of(store, demo_config()).handlers)


async def test_an_empty_query_gives_the_main_races(inline: Inline) -> None:
    cards = await inline.answer("", "fr")
    assert [c.race_id for c in cards.cards] == ["national"]
    card = cards.cards[0]
    assert card.title == "Primaire de la gauche"
    assert card.description == (
        f"Hamon : 58,65{NBSP}% (1{NNBSP}120{NNBSP}180 voix) · "
        f"Valls : 41,35{NBSP}% (789{NNBSP}770 voix) · "
        f"5{NNBSP}000 bureaux sur 7{NNBSP}370 (67,8{NBSP}%)"
    )
    assert card.message.text.startswith("<b>Primaire de la gauche</b>\n")
    assert card.message.image is None
    assert (cards.button, cards.payload) == ("Les alertes de Primaire de la gauche en privé",
                                             "national")  # fmt: skip


@pytest.mark.parametrize(
    ("query", "ids"),
    [("Paris", ["D075", "C75056"]), ("75", ["D075"]), ("2A", ["D02A"]), ("D02A", ["D02A"]),
     ("corse du sud", ["D02A"])],
)  # fmt: skip
async def test_a_query_finds_races_as_the_commands_do(inline: Inline, query: str, ids) -> None:
    cards = await inline.answer(query, "fr")
    assert sorted(c.race_id for c in cards.cards) == sorted(ids)  # best first: the lookup's call


async def test_several_cards_subscribe_to_the_main_races(inline: Inline) -> None:
    cards = await inline.answer("Paris", "fr")
    assert (cards.button, cards.payload) == ("Recevoir les alertes en privé", "main")


async def test_the_users_language_when_soiree_speaks_it(inline: Inline) -> None:
    english = await inline.answer("2A", "en-GB")
    other = await inline.answer("2A", "de")
    assert english.locale == "en"
    assert "Hamon: 80.00%" in english.cards[0].message.text
    assert other.locale == "fr"
    assert f"Hamon : 80,00{NBSP}%" in other.cards[0].message.text
    assert english.button == "Alerts for Corse-du-Sud in a private chat"


async def test_a_race_without_figures_says_so(inline: Inline) -> None:
    cards = await inline.answer("Aisne", "fr")
    assert cards.cards[0].description == "Pas encore de résultats"
    assert cards.cards[0].message.text == "Pas encore de résultats pour Aisne."


async def test_nothing_found_gives_no_cards(inline: Inline) -> None:
    cards = await inline.answer("Atlantide", "fr")
    assert cards.cards == ()
    assert cards.payload == "main"


async def test_a_long_query_is_cut_as_telegram_cuts_it(inline: Inline) -> None:
    assert (await inline.answer("Paris" + " " * 300 + "x", "fr")).cards  # the first 256 chars


async def test_charts_are_drawn_only_when_asked_and_on(store: Store) -> None:
    config = demo_config()
    charts = Charts(ChartsConfig(), ZoneInfo("Europe/Paris"))
    inline = Inline(commands_of(store, config, charts=charts).handlers)
    drawn = await inline.answer("2A", "fr", charts=True)
    text_only = await inline.answer("2A", "fr")
    image = drawn.cards[0].message.image
    assert image is not None
    assert image.data is not None
    assert image.data.startswith(b"\x89PNG")
    assert text_only.cards[0].message.image is None
    off = Charts(ChartsConfig(send_with=()), ZoneInfo("Europe/Paris"))
    none = await Inline(commands_of(store, config, charts=off).handlers).answer(
        "2A", "fr", charts=True
    )
    assert none.cards[0].message.image is None
