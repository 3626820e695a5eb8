"""Chat commands answered from a real in-memory store, through the command table."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import display_of
from bot.charts import Charts
from bot.commands import Commands, Request
from bot.config import Config, load
from bot.live import Scoreboards
from bot.lookup import fold
from bot.models import Race, Units, replace
from bot.store import Cycle, Store, Subscription, open_store
from tests.builders import race, snap

ROOT = Path(__file__).resolve().parents[2]
NNBSP = "\u202f"
NBSP = "\xa0"
SOURCE_LABEL = "Haute autorité des primaires (reconstitution)"

NATIONAL = race(
    {"hamon": 1_120_180, "valls": 789_770},
    counted=5_000,
    total=7_370,
    voters=1_826_000,
    race_id="national",
    name="Primaire de la gauche",
)
# Sorts before the national race by name, so "/results" must use main_races, not order.
AIN = race({"hamon": 500, "valls": 400}, counted=10, total=40, race_id="dep-01", name="Ain")
IDF = replace(
    race({"hamon": 900, "valls": 700}, counted=30, total=60, race_id="idf", name="Île-de-France"),
    code="11",
)
EMPTY = race({"hamon": 0, "valls": 0}, counted=0, total=80, race_id="dep-02", name="Aisne")


@pytest.fixture
def config(monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.delenv("SOIREE_DB", raising=False)
    return dataclasses.replace(load(ROOT / "config" / "demo.toml"), db=Path(":memory:"))


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    s = await open_store(":memory:")
    try:
        yield s
    finally:
        await s.close()


async def commit(store: Store, *races: Race, flagged: frozenset[str] = frozenset()) -> None:
    snapshot = snap(*races, minutes=70)  # 20:40 in Paris
    raw = b'{"stored": "by the test"}'
    await store.commit_cycle(
        Cycle(
            source="demo",
            snapshot=snapshot,
            raw=raw,
            sha256=hashlib.sha256(raw).hexdigest(),
            fetched_at=snapshot.updated_at,
            baseline=snapshot,
            events=(),
            deliveries=(),
            flagged_races=flagged,
        )
    )


def commands_of(
    store: Store, config: Config, *, charts: Charts | None = None, live: Scoreboards | None = None
) -> Commands:
    """Return the commands over a store with the settings of a config, as the app makes them."""
    return Commands(
        store, display_of(config), config.rules, main_races=config.main_races,
        charts=charts, live=live,
    )  # fmt: skip


@pytest.fixture
async def commands(store: Store, config: Config) -> Commands:
    await commit(store, NATIONAL, AIN, IDF, EMPTY)
    return commands_of(store, config)


async def ask(
    commands: Commands, text: str, *, platform: str = "console", can_manage: bool = True
) -> str:
    reply = await commands.handle(
        Request(platform=platform, chat_id="chat-1", text=text, can_manage=can_manage)
    )
    assert reply is not None, text
    return reply.text


# --- matching -----------------------------------------------------------------------------


def test_fold_ignores_case_and_accents() -> None:
    assert fold("Île-de-France") == fold("ILE DE FRANCE") == "ile de france"
    assert fold("Pyrénées-Orientales") == "pyrenees orientales"


# --- /results -----------------------------------------------------------------------------


async def test_results_without_argument_answers_the_main_race(commands: Commands) -> None:
    text = await ask(commands, "/results")
    assert text.startswith("Primaire de la gauche\n")
    assert f"Hamon : 58,65{NBSP}% (1{NNBSP}120{NNBSP}180 voix)" in text
    assert f"Données de 20:40 · 5{NNBSP}000 bureaux sur 7{NNBSP}370" in text
    assert f"Source : {SOURCE_LABEL}" in text
    assert "Ain" not in text


async def test_results_with_bot_suffix(commands: Commands) -> None:
    text = await ask(commands, "/results@SoireeBot national")
    assert text.startswith("Primaire de la gauche\n")
    assert "Hamon : 58,65" in text


async def test_results_of_another_race_by_id(commands: Commands) -> None:
    text = await ask(commands, "/results dep-01")
    assert text.startswith("Ain\n")
    assert f"Données de 20:40 · 10 bureaux sur 40 (25,0{NBSP}%)" in text


async def test_french_alias_resultats(commands: Commands) -> None:
    assert await ask(commands, "/résultats") == await ask(commands, "/results")
    assert await ask(commands, "/resultats dep-01") == await ask(commands, "/results dep-01")


@pytest.mark.parametrize(
    "query", ["Île-de-France", "ile-de-france", "ILE-DE-FRANCE", "île-DE-france", "idf", "11"]
)
async def test_race_name_match_ignores_accents_and_case(commands: Commands, query: str) -> None:
    text = await ask(commands, f"/results {query}")
    assert text.startswith("Île-de-France\n")


async def test_unknown_race_lists_known_ids(commands: Commands) -> None:
    text = await ask(commands, "/results lyon")
    assert text.startswith("Course inconnue : « lyon ». Courses suivies : ")
    for race_id in ("national", "dep-01", "idf", "dep-02"):
        assert race_id in text


@pytest.mark.parametrize(
    "query", ["nationl", "Primarie", "primaire de la gauch", "public", "national public"]
)
async def test_a_close_spelling_or_a_public_word_finds_the_race(commands: Commands, query: str):
    # "/results public" on the console was the race "public"; "nationl" an unknown race.
    text = await ask(commands, f"/results {query}")
    assert text.startswith("Primaire de la gauche\n"), text


async def test_an_unknown_race_suggests_the_nearest(commands: Commands) -> None:
    text = await ask(commands, "/results Île-de-Fronce du Nord")
    assert text == (
        "Course inconnue : « Île-de-Fronce du Nord ». Vouliez-vous dire : Île-de-France (idf) ?"
    )


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("/results " + "x" * 4000, "« " + "x" * 60 + "… »"),  # unknown race
        ("/subscribe " + "a" * 500, "« " + "a" * 60 + "… »"),
        ("/" + "y" * 4000, "/" + "y" * 59 + "…"),  # unknown command
        ("/results " + "x" * 60, "« " + "x" * 60 + " »"),  # 60: quoted whole
    ],
)
async def test_an_echoed_argument_is_quoted_in_60_characters(
    commands: Commands, text: str, quoted: str
) -> None:
    reply = await ask(commands, text)
    assert quoted in reply
    assert len(reply) < 250


async def test_race_without_results_says_so(commands: Commands) -> None:
    assert await ask(commands, "/results dep-02") == "Pas encore de résultats pour Aisne."


async def test_results_with_an_empty_store(store: Store, config: Config) -> None:
    reply = await commands_of(store, config).handle(
        Request(platform="console", chat_id="c", text="/results")
    )
    assert reply is not None
    assert reply.text == "Aucune course n’a encore publié de résultats."


async def test_flagged_race_shows_the_warning(store: Store, config: Config) -> None:
    await commit(store, NATIONAL, AIN, flagged=frozenset({"national"}))
    commands = commands_of(store, config)
    flagged = await ask(commands, "/results")
    assert "⚠ Les derniers chiffres publiés ne tiennent pas : Soirée les met de côté" in flagged
    assert "⚠" not in await ask(commands, "/results dep-01")
    assert "⚠ Les derniers chiffres publiés ne tiennent pas" in await ask(commands, "/turnout")


async def test_telegram_replies_are_html_escaped(store: Store, config: Config) -> None:
    await commit(store, race({"a": 6, "b": 4}, race_id="national", name="<Nord> & Pas-de-Calais"))
    text = await ask(commands_of(store, config), "/results", platform="telegram")
    assert text.startswith("<b>&lt;Nord&gt; &amp; Pas-de-Calais</b>\n")
    assert "<Nord>" not in text
    unknown = await ask(commands_of(store, config), "/results <x>", platform="telegram")
    assert "« &lt;x&gt; »" in unknown


# --- /turnout -----------------------------------------------------------------------------


async def test_turnout_shows_voters_and_previous_round(commands: Commands) -> None:
    text = await ask(commands, "/turnout")
    assert text.startswith("Primaire de la gauche\n")
    assert f"Votants : 1{NNBSP}826{NNBSP}000" in text
    # 1 826 000 at 67.8 % of stations against the demo config's 1 660 000 first-round
    # voters: compared pro rata, like for like (issue 15).
    assert (
        f"À proportion des bureaux dépouillés : environ 2{NNBSP}692{NNBSP}000 votants, "
        f"contre 1{NNBSP}660{NNBSP}000 au tour précédent (+62,1{NBSP}%)"
    ) in text
    assert "Données de 20:40" in text


async def test_participation_alias(commands: Commands) -> None:
    assert await ask(commands, "/participation") == await ask(commands, "/turnout")


async def test_turnout_without_previous_round(commands: Commands) -> None:
    text = await ask(commands, "/turnout dep-01")
    assert "Votants : 900" in text
    assert "Tour précédent" not in text


# --- subscriptions ------------------------------------------------------------------------


async def test_subscribe_en_stores_locale_and_switches_replies(
    commands: Commands, store: Store
) -> None:
    assert await ask(commands, "/subscribe en") == "Subscribed: national (en)."
    subs = await store.subscriptions("console", "chat-1")
    assert [(s.race, s.locale) for s in subs] == [("national", "en")]

    results = await ask(commands, "/results")
    assert "Hamon: 58.65% (1,120,180 votes)" in results
    assert "Data as of 20:40 · 5,000 of 7,370 stations" in results
    turnout = await ask(commands, "/turnout")
    assert "against 1,660,000 in the previous round (+62.1%)" in turnout
    # Another chat still gets French.
    other = await commands.handle(Request(platform="console", chat_id="chat-2", text="/results"))
    assert other is not None
    assert "Hamon : 58,65" in other.text


async def test_subscribe_to_a_named_race_in_the_default_locale(
    commands: Commands, store: Store
) -> None:
    assert await ask(commands, "/subscribe ile-de-france") == "Abonné : idf (fr)."
    assert await ask(commands, "/subscribe ain en") == "Subscribed: dep-01 (en)."
    subs = await store.subscriptions("console", "chat-1")
    assert sorted((s.race, s.locale) for s in subs) == [("dep-01", "en"), ("idf", "fr")]


async def test_subscribe_unknown_race_stores_nothing(commands: Commands, store: Store) -> None:
    text = await ask(commands, "/subscribe lyon")
    assert text.startswith("Course inconnue : « lyon »")
    assert await store.subscriptions("console", "chat-1") == []


@pytest.mark.parametrize(
    ("platform", "who"),
    [
        ("telegram", "les administrateurs du groupe"),
        ("slack", "les administrateurs, les propriétaires de l’espace de travail et les "
                  "gestionnaires nommés dans la configuration de Soirée"),
        ("console", "les administrateurs du salon"),
    ],
)  # fmt: skip
async def test_subscribe_refused_without_rights_says_who_may(
    commands: Commands, store: Store, platform: str, who: str
) -> None:
    text = await ask(commands, "/subscribe en", platform=platform, can_manage=False)
    assert text == f"Seuls {who} peuvent gérer les abonnements."
    assert await store.subscriptions(platform, "chat-1") == []


async def test_unsubscribe(commands: Commands, store: Store) -> None:
    await ask(commands, "/subscribe en")
    await ask(commands, "/subscribe idf en")
    assert (
        await ask(commands, "/unsubscribe", can_manage=False)
        == "Only the chat's administrators can manage subscriptions."
    )
    assert len(await store.subscriptions("console", "chat-1")) == 2

    assert await ask(commands, "/unsubscribe idf") == "Unsubscribed (1 subscription(s) removed)."
    assert [s.race for s in await store.subscriptions("console", "chat-1")] == ["national"]
    assert await ask(commands, "/unsubscribe") == "Unsubscribed (1 subscription(s) removed)."
    assert await store.subscriptions("console", "chat-1") == []
    # With no subscription left, replies are back in the config's locale.
    assert (await ask(commands, "/results")).startswith("Primaire de la gauche\nHamon : ")


async def test_unsubscribe_does_not_touch_other_chats(commands: Commands, store: Store) -> None:
    await store.subscribe(
        Subscription(platform="console", chat_id="chat-2", race="national", locale="fr")
    )
    assert await ask(commands, "/unsubscribe") == "Désabonné (0 abonnement(s) retiré(s))."
    assert len(await store.subscriptions("console", "chat-2")) == 1


# --- other commands -----------------------------------------------------------------------


async def test_races_lists_every_race(commands: Commands) -> None:
    text = await ask(commands, "/races")
    lines = text.split("\n")
    assert lines[0] == "Courses suivies :"
    assert (
        f"Primaire de la gauche (national) — 5{NNBSP}000 bureaux sur 7{NNBSP}370 (67,8{NBSP}%)"
        in lines
    )
    assert f"Ain (dep-01) — 10 bureaux sur 40 (25,0{NBSP}%)" in lines
    assert f"Île-de-France (idf) — 30 bureaux sur 60 (50,0{NBSP}%)" in lines
    assert f"Aisne (dep-02) — 0 bureau sur 80 (0,0{NBSP}%)" in lines
    assert len(lines) == 5
    assert await ask(commands, "/courses") == text


async def test_races_says_no_progress_where_a_place_has_none(store: Store, config: Config):
    # A département's totals file, a single commune: no unit counted, nothing to say of it.
    paris = replace(
        race({"a": 60, "b": 40}, race_id="D075", name="Paris"), units=Units(counted=0, kind="none")
    )
    await commit(store, paris)
    assert await ask(commands_of(store, config), "/races") == "Courses suivies :\nParis (D075)"


async def test_races_with_an_empty_store(store: Store, config: Config) -> None:
    text = await ask(commands_of(store, config), "/races")
    assert text == "Aucune course n’a encore publié de résultats."


async def test_help(commands: Commands) -> None:
    text = await ask(commands, "/help")
    assert text.startswith("Soirée, les résultats de la soirée électorale.")
    for command in ("/results", "/turnout", "/races", "/subscribe", "/unsubscribe"):
        assert command in text
    assert await ask(commands, "/start") == text
    assert await ask(commands, "/aide") == text


# --- /live and /charts --------------------------------------------------------------------


@pytest.fixture
async def full(store: Store, config: Config) -> AsyncIterator[Commands]:
    await commit(store, NATIONAL, AIN, IDF, EMPTY)
    charts = Charts(config.charts, config.tz, config.chats)
    live = Scoreboards(store, display_of(config), {},
                       clock=lambda: datetime(2017, 1, 29, tzinfo=UTC), interval=10)  # fmt: skip
    yield commands_of(store, config, charts=charts, live=live)
    charts.close()


async def test_live_on_and_off_keep_the_board_in_the_store(full: Commands, store: Store):
    assert await ask(full, "/live") == "Usage : /live on [course] ou /live off"
    assert (await ask(full, "/live on")).startswith("Tableau en direct activé pour Primaire")
    assert [(b.race, b.message_id) for b in await store.live_boards()] == [("national", None)]
    assert (await ask(full, "/direct on ain")).startswith("Tableau en direct activé pour Ain")
    assert [b.race for b in await store.live_boards()] == ["dep-01"]  # one board per chat
    assert await ask(full, "/live off") == "Tableau en direct arrêté."
    assert (await ask(full, "/live off")).startswith("Aucun tableau en direct")
    assert await store.live_boards() == []
    refused = await ask(full, "/live on", platform="telegram", can_manage=False)
    assert refused.startswith("Seuls les administrateurs du groupe peuvent lancer")


async def test_charts_choice_per_chat(full: Commands) -> None:
    default = "/results, étapes du dépouillement, résultat final"
    assert (
        await ask(full, "/charts", platform="telegram") == f"Graphiques dans ce salon : {default}."
    )
    assert (
        await ask(full, "/graphiques off", platform="telegram")
        == "Graphiques dans ce salon : aucun."
    )
    assert await ask(full, "/charts résultats final", platform="telegram") == (
        "Graphiques dans ce salon : /results, résultat final."
    )
    assert (await ask(full, "/charts banane", platform="telegram")).startswith("Usage : /charts on")
    assert (await ask(full, "/charts on", platform="telegram", can_manage=False)).startswith(
        "Seuls les admin"
    )


async def test_results_carry_a_chart_unless_the_chat_said_no(full: Commands) -> None:
    request = Request(platform="telegram", chat_id="chat-1", text="/results")
    with_chart = await full.handle(request)
    assert with_chart is not None
    assert with_chart.image is not None
    assert (with_chart.image.data or b"").startswith(b"\x89PNG")
    assert with_chart.image.alt.startswith("Graphique des résultats — Primaire de la gauche")
    await ask(full, "/charts off", platform="telegram")
    without = await full.handle(request)
    assert without is not None
    assert without.image is None
    assert without.text == with_chart.text


async def test_the_console_draws_charts_only_when_asked(full: Commands) -> None:
    assert await ask(full, "/charts") == "Graphiques dans ce salon : aucun."
    reply = await full.handle(Request(platform="console", chat_id="chat-1", text="/results"))
    assert reply is not None
    assert reply.image is None
