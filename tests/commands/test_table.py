"""The command table: each command once, its words, rights and texts, as every reader sees."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC

import pytest
from telegram.constants import BotCommandLimit

from bot.adapters.slack import SLASH_COMMANDS
from bot.commands import COMMANDS, find, help_text, menu, parse_command
from bot.render import en, fr
from bot.render.text import LOCALES, Renderer, Style

# What each word ran before the table (commands.ALIASES), kept word for word.
WORDS = {
    "pause": "pause", "resume": "resume", "reprendre": "resume", "status": "status",
    "etat": "status", "announce": "announce", "annonce": "announce", "start": "start",
    "help": "help", "aide": "help", "results": "results", "resultats": "results",
    "résultats": "results", "turnout": "turnout", "participation": "turnout",
    "races": "races", "courses": "races", "subscribe": "subscribe", "abonner": "subscribe",
    "unsubscribe": "unsubscribe", "desabonner": "unsubscribe", "live": "live",
    "direct": "live", "charts": "charts", "graphiques": "charts",
    "share": "share", "partager": "share",  # /start became a command of its own (deep links)
}  # fmt: skip
MENU = ["results", "turnout", "races", "subscribe", "unsubscribe", "live", "charts", "share",
        "help"]  # fmt: skip


def test_parse_command() -> None:
    assert parse_command("/results@SoireeBot national") == ("results", ["national"])
    assert parse_command("  /RÉSULTATS  Île de France ") == ("results", ["Île", "de", "France"])
    assert parse_command("/participation") == ("turnout", [])
    assert parse_command("bonsoir /results") is None
    assert parse_command("") is None


def test_an_unknown_word_comes_back_as_typed_in_lower_case() -> None:
    assert parse_command("/Météo@SoireeBot paris") == ("météo", ["paris"])
    assert find("météo") is None


def test_each_word_names_the_command_it_named_before() -> None:
    counts = Counter(word for c in COMMANDS for word in c.words)
    assert [word for word, n in counts.items() if n > 1] == []
    found = {word: command.name for word in WORDS if (command := find(word)) is not None}
    assert found == WORDS
    assert set(counts) == set(WORDS)


def test_every_command_has_a_word_telegram_can_carry() -> None:
    for command in COMMANDS:
        ascii_words = [w for w in command.words if w.isascii()]
        assert command.name in ascii_words
        assert all(re.fullmatch(r"[a-z0-9_]{1,32}", w) for w in ascii_words), command


def test_rights() -> None:
    admin = {c.name for c in COMMANDS if c.admin_only}
    settings = {c.name for c in COMMANDS if c.changes_settings}
    assert admin == {"pause", "resume", "status", "announce"}
    assert settings == {"subscribe", "unsubscribe", "live", "charts", "start"}
    # Admin commands are not in the menu, and in /help of admin chats only.
    assert all(c.help is not None and c.menu is None for c in COMMANDS if c.admin_only)


@pytest.mark.parametrize("locale", LOCALES)
def test_help_names_the_french_aliases_and_the_admin_commands_where_they_run(locale: str) -> None:
    r = Renderer(Style(locale=locale, tz=UTC))
    chat, admin = help_text(r).split("\n"), help_text(r, admin=True).split("\n")
    results = next(line for line in chat if line.startswith("/results"))
    assert results.endswith("/resultats, /résultats)")
    assert not any(line.startswith("/pause") for line in chat)
    assert admin[: len(chat)] == chat
    assert [line.split()[0] for line in admin[len(chat) + 1 :]] == [
        "/pause",
        "/resume",
        "/status",
        "/announce",
    ]
    assert "/reprendre" in admin[len(chat) + 2]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_menu_lists_the_chat_commands_in_order(locale: str) -> None:
    entries = menu(locale)
    assert [name for name, _ in entries] == MENU
    for _, description in entries:
        assert 0 < len(description) <= BotCommandLimit.MAX_DESCRIPTION


@pytest.mark.parametrize("locale", LOCALES)
def test_help_has_a_line_for_each_chat_command(locale: str) -> None:
    lines = help_text(Renderer(Style(locale=locale, tz=UTC))).split("\n")
    shown = [line.split()[0] for line in lines[1:]]
    assert list(dict.fromkeys(shown)) == [f"/{name}" for name in MENU if name != "help"]


def test_the_catalogs_hold_the_command_texts_the_table_names() -> None:
    named = {key for c in COMMANDS for key in (c.help, c.menu) if key is not None}
    named |= {"help.aliases", "help.admin"}  # the aliases' words and the admin heading
    for catalog in (fr.CATALOG, en.CATALOG):
        assert {k for k in catalog if k.startswith(("help.", "menu."))} == named


def test_slack_has_its_own_slash_commands_for_results_and_turnout() -> None:
    assert SLASH_COMMANDS == ("/results", "/turnout", "/soiree")
