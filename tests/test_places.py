"""Many races from Ministry files: /results by code, name or accent-less name; areas."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import display_of
from bot.commands import Commands, Request
from bot.config import DEFAULT_CONFIG, load
from bot.pipeline import Pipeline
from bot.store import Store, open_store
from tests.builders import at

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fr_interior"
ELECTION_NIGHT = datetime(2017, 5, 7, 22, tzinfo=UTC)


@pytest.fixture
async def night() -> AsyncIterator[tuple[Store, Pipeline, Commands]]:
    store = await open_store(":memory:")
    config = dataclasses.replace(load(DEFAULT_CONFIG), main_races=("FE",), locale="fr")
    # The fixtures' night (7 May 2017): a data time a day past the clock is refused.
    pipeline = Pipeline(store, config.rules, display_of(config), lambda: ELECTION_NIGHT)
    for name in ("FE_T2.xml", "075com_T2.xml", "02Acom_T2_v1.xml"):
        data = (FIXTURES / name).read_bytes()
        outcome = await pipeline.ingest(name, "fr-interior-xml", data, name, {"round": 2})
        assert outcome.status == "accepted", outcome.error
    commands = Commands(store, display_of(config), config.rules, main_races=config.main_races)
    yield store, pipeline, commands
    await store.close()


async def ask(commands: Commands, text: str) -> str:
    reply = await commands.handle(Request(platform="console", chat_id="c", text=text))
    assert reply is not None
    return reply.text


@pytest.mark.parametrize(
    ("query", "headline"),
    [
        ("/results 2A", "Corse-du-Sud"),
        ("/results 02A", "Corse-du-Sud"),
        ("/results ajaccio", "Ajaccio"),
        ("/results Sartene", "Pas encore de résultats pour Sartène."),  # not in yet at v1
        ("/results Paris 1er", "Paris 1er arrondissement"),
        ("/results", "France entière"),
    ],
)
async def test_results_by_code_or_place(night, query: str, headline: str) -> None:
    _, _, commands = night
    assert (await ask(commands, query)).split("\n")[0] == headline


async def test_ambiguous_place_lists_the_choices(night) -> None:
    _, _, commands = night
    text = await ask(commands, "/results Paris")
    assert text.startswith("Plusieurs courses répondent à « Paris »")
    assert "Paris (D075)" in text
    assert "Paris (C075056)" in text


async def test_area_subscription_gets_the_communes_of_a_departement(night) -> None:
    store, pipeline, commands = night
    assert (await ask(commands, "/subscribe zone 2A")).startswith("Abonné : zone 02A (fr)")
    subs = await store.subscriptions("console", "c")
    assert [s.race for s in subs] == ["area:02A"]
    data = (FIXTURES / "02Acom_T2_v2.xml").read_bytes()
    outcome = await pipeline.ingest("02Acom_T2_v1.xml", "fr-interior-xml", data, "v2", {"round": 2})
    assert outcome.status == "accepted"
    due = [d for d in await store.due(at(0).replace(year=2100)) if d.chat_id == "c"]
    races = {d.event_key.split(":")[0] for d in due}
    assert races  # the département and its communes that moved
    assert all(r == "D02A" or r.startswith("C02A") for r in races)
