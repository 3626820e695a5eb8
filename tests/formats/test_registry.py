"""The registry: every format by name, its option check, and parse with the fetch time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.formats import canonical, clarity, csvfeed, ministry
from bot.formats.registry import PARSERS, no_options, parse

FETCHED = datetime(2027, 1, 24, 21, 30, tzinfo=UTC)


def test_every_format_is_registered_under_its_name() -> None:
    assert sorted(PARSERS) == ["canonical-json", "clarity-xml", "csv", "fr-interior-xml"]
    assert all(fmt.name == name for name, fmt in PARSERS.items())
    modules = {canonical.FORMAT: canonical, clarity.FORMAT: clarity, csvfeed.FORMAT: csvfeed}
    modules[ministry.FORMAT] = ministry
    assert all(PARSERS[name].parse is module.parse for name, module in modules.items())


def test_parse_passes_the_fetch_time_to_the_format() -> None:
    sheet = b"nom;voix\nAlice;10\nBruno;5\n"  # no data time of its own
    columns = {"candidate_name": "nom", "votes": "voix"}
    snap = parse("csv", sheet, "feeds/soir.csv", {"columns": columns}, FETCHED)
    assert snap.updated_at == FETCHED
    assert [c.votes for c in snap.races[0].candidates] == [10, 5]


def test_a_format_without_options_refuses_any() -> None:
    assert no_options({}) == []
    assert no_options({"round": 2, "_fetched_at": FETCHED}) == [
        "round: this format takes no options",
        "_fetched_at: this format takes no options",
    ]
    assert PARSERS["canonical-json"].check is no_options


def test_an_unknown_format_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        parse("xlsx", b"", "feed.xlsx", {}, FETCHED)
