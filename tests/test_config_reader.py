"""The config's reader: a file's tables read with their msgspec schema, every problem noted
at once, each naming the file, the key, the value, in our words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from bot.config_reader import ConfigError, Reader, describe
from bot.config_schema import ConfigFile, Seconds, SourceFile, Step

ORIGIN = Path("/etc/soiree.toml")
SOURCE = {"id": "s", "replay": ["feed.json"]}


def problems(**data: Any) -> list[str]:
    r = Reader(ORIGIN, {"sources": [SOURCE], **data})
    r.read()
    return [p.removeprefix(f"{ORIGIN}: ") for p in r.problems]


def test_a_good_file_reads_into_its_schema() -> None:
    r = Reader(ORIGIN, {"locale": "en", "sources": [{**SOURCE, "interval": 30}]})
    read = r.read()
    assert (read.locale, read.timezone) == ("en", "Europe/Paris")
    assert read.sources == (SourceFile(id="s", replay=("feed.json",), interval=30.0),)
    assert r.problems == []
    assert r.error() is None


def test_an_unknown_key_names_its_table_and_the_closest_known_key() -> None:
    assert problems(lcoale="en") == [
        "`lcoale`: unknown key at the top level; did you mean `locale`?"
    ]
    assert problems(rules={"candidate_level": [60]}) == [
        "`rules.candidate_level`: unknown key in [rules]; did you mean `candidate_levels`?"
    ]
    r = Reader(ORIGIN, {"sources": [SOURCE, {**SOURCE, "id": "t", "intervall": 30}]})
    r.read()
    assert r.problems == [
        f"{ORIGIN}: `sources[1].intervall`: unknown key in [[sources]] number 2; "
        "did you mean `interval`?"
    ]


def test_an_unknown_key_like_none_lists_the_known_ones() -> None:
    (problem,) = problems(slack={"admins": ["U1"]})
    assert problem == "`slack.admins`: unknown key in [slack]; known keys: managers"


def test_a_top_level_key_after_a_table_header_is_named_as_such() -> None:
    # `timezone` is close to a source's `timeout`: the table it belongs in wins.
    r = Reader(ORIGIN, {"sources": [{**SOURCE, "timezone": "Europe/Paris"}]})
    r.read()
    (problem,) = r.problems
    assert problem.startswith(f"{ORIGIN}: `sources[0].timezone`: unknown key in [[sources]] ")
    assert "`timezone` is a top-level key" in problem
    assert "move it above the first [table] or [[table]] header" in problem
    (misplaced,) = problems(charts={"hysteresis": 1})
    assert misplaced.endswith("`hysteresis` is a key of [rules]: move it under that header")


def test_every_problem_of_a_file_is_noted_not_only_the_first() -> None:
    found = problems(
        locale=3,
        digest_max=0,
        rules={"reporting_steps": [10, -1, 150], "previous_round_voters": {"n": 0, "m": 5}},
        charts={"theme": "sepia", "colours": {"a": "pink", "b": "#FFFFFF"}},
        chats=[{"platform": "telegram"}, {"id": 1, "platform": 2}],
    )
    assert found == [
        "locale = 3: expected a string",
        "digest_max = 0: expected an integer, from 1 to 50",
        "rules.reporting_steps[1] = -1: expected an integer, from 0 to 100",
        "rules.reporting_steps[2] = 150: expected an integer, from 0 to 100",
        "rules.previous_round_voters.n = 0: expected an integer, above 0",
        "charts.theme = 'sepia': expected one of dark, light",
        "charts.colours.a = 'pink': expected a colour like \"#E4003B\"",
        "chats[0].id: missing required key",
        "chats[1].platform = 2: expected a string",
    ]


def test_a_required_key_and_a_table_are_named() -> None:
    r = Reader(ORIGIN, {"rules": 5})
    r.read()
    assert r.problems == [
        f"{ORIGIN}: rules = 5: expected a table",
        f"{ORIGIN}: sources: missing required key",
    ]
    assert r.flagged("sources")
    assert not r.flagged("rules.hysteresis")


def test_the_error_lists_every_problem_one_a_line_without_passwords() -> None:
    r = Reader(ORIGIN, {})
    r.note("a", "first")
    r.fail("b", "https://u:hunter2@example.test/f.json", "second")
    error = r.error()
    assert isinstance(error, ConfigError)
    assert len(error.problems) == 2
    assert str(error) == "\n".join(error.problems)
    assert "hunter2" not in str(error)
    assert "second" in error.problems[1]


@pytest.mark.parametrize(
    ("tp", "said"),
    [
        (Seconds, "a number of seconds above 0"),
        (Step, "an integer, from 0 to 100"),
        (bool, "true or false"),
        (tuple[str, ...], "a list"),
        (str | int, "a string or an integer"),
    ],
)
def test_a_type_is_said_in_words(tp: Any, said: str) -> None:
    assert describe(msgspec.inspect.type_info(tp)) == said


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), True, "5s"])
def test_seconds_are_a_finite_positive_number(value: object) -> None:
    (problem,) = problems(live_interval=value)
    assert problem == f"live_interval = {value!r}: expected a number of seconds above 0"


def test_the_schema_itself_refuses_unknown_keys() -> None:
    with pytest.raises(msgspec.ValidationError, match="unknown field `lcoale`"):
        msgspec.convert({"lcoale": "en"}, ConfigFile)
