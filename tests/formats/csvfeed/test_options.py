"""A csv source's options: each error starts with its key; good ones pass, bad ones are refused."""

from __future__ import annotations

from typing import Any

import pytest

from bot.formats.csvfeed import check_options
from tests.formats.csvfeed.support import (
    BLOCKS,
    BREST,
    LONG,
    reject,
)

WIDE = {"layout": "wide", "candidate_votes": "^(?P<name>.+) - votes$"}


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"layout": "diagonal"}, "layout: expected 'long', 'wide' or 'blocks'"),
        ({"layout": "blocks", "candidate_votes": "^(?P<key>.+)$"}, "candidate_votes: only with"),
        ({"layout": "blocks", "columns": {"votes": "Voix"}}, "columns.candidate_name: expected"),
        (
            {"layout": "blocks", "columns": {"candidate_id": "N", "share": "%", "unit": "b"}},
            'columns.unit: not with layout = "blocks"',
        ),
        (
            {"columns": {"race_id": ["dep", 2], "candidate_name": "n", "votes": "v"}},
            "columns.race_id: expected a column name or a list of them",
        ),
        (
            {"columns": {"votes": ["v1", "v2"], "candidate_name": "n"}},
            "columns.votes: expected a column name",
        ),
        ({"colums": {}}, "colums: unknown option; did you mean `columns`?"),
        ({"columns": "voix"}, "columns: expected a table"),
        (
            {"columns": {"votes": 3, "candidate_name": "nom"}},
            "columns.votes: expected a column name",
        ),
        ({"columns": {"votes": " ", "candidate_name": "nom"}}, "columns.votes: expected a column"),
        ({"columns": {"candidate_name": "nom"}}, "columns.votes: expected a column name"),
        ({"columns": {"votes": "voix"}}, "columns.candidate_name: expected a column name"),
        ({"columns": {"voix": "voix"}}, "columns.voix: unknown field"),
        ({"aggregate": "sum"}, "aggregate: expected 'race' or 'none'"),
        ({"delimiter": "|"}, "delimiter: expected"),
        ({"delimiter": [";"]}, "delimiter: expected"),
        ({"layout": ["wide"]}, "layout: expected"),
        ({"encoding": "utf-16"}, "encoding: expected"),
        ({"encoding": "klingon"}, "encoding: expected"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone: expected an IANA time zone"),
        ({"election": ""}, "election: expected a non-empty string"),
        ({"level": 3}, "level: expected a non-empty string"),
        (
            {"race_id": "fe", "columns": {"race_id": "c", "candidate_name": "n", "votes": "v"}},
            "race_id: give either",
        ),
        ({"candidate_votes": "^(?P<name>.+)$"}, 'candidate_votes: only with layout = "wide"'),
        ({"layout": "wide"}, "candidate_votes: expected a pattern"),
        (
            {**WIDE, "candidate_votes": "(unclosed"},
            "candidate_votes: not a valid regular expression",
        ),
        ({**WIDE, "candidate_votes": "^.+ - votes$"}, "candidate_votes: the pattern needs a group"),
        (
            {**WIDE, "candidate_name": "^Nom (?P<name>.+)$"},
            "candidate_name: the pattern needs a group (?P<key>",
        ),
        (
            {**WIDE, "candidate_name": ["^Nom (?P<key>.+)$", 3]},
            "candidate_name[1]: expected a regular",
        ),
        ({**WIDE, "columns": {"votes": "voix"}}, 'columns.votes: only with layout = "long"'),
    ],
)
def test_check_options_names_the_key(options: dict[str, Any], error: str) -> None:
    errors = check_options(options)

    assert errors, options
    assert any(e.startswith(error) for e in errors), errors


@pytest.mark.parametrize(
    "options",
    [
        {},
        BREST,
        {"layout": "long", "delimiter": "tab", "encoding": "latin-1"},
        {"layout": "blocks"},
        BLOCKS,
        {"_anything": 1},
        {"_fetched_at": "ce soir"},  # no longer checked: the fetch time is parse's argument
    ],
)
def test_good_options_have_no_errors(options: dict[str, Any]) -> None:
    assert check_options(options) == []


def test_parse_refuses_bad_options() -> None:
    err = reject(LONG, {"layout": "diagonal"})

    assert err.field == "(options)"
    assert str(err.value).startswith("layout:")
