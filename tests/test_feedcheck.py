"""`python -m bot fetch`'s pieces: options read as TOML, a feed read once, a snapshot shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.feedcheck import MAX_RACES_SHOWN, describe, parse_options, read
from bot.rules import Rules
from bot.sources.errors import FetchError
from tests.builders import race, snap
from tests.feedserver import FeedServer


def test_options_are_toml_values_or_bare_strings() -> None:
    assert parse_options(["round=2", 'layout="wide"', "level=commune", "communes=['056']"]) == {
        "round": 2,
        "layout": "wide",
        "level": "commune",
        "communes": ["056"],
    }
    with pytest.raises(ValueError, match="expected key=value"):
        parse_options(["round"])


async def test_a_file_is_read_and_a_missing_one_named(tmp_path: Path) -> None:
    path = tmp_path / "feed.json"
    path.write_bytes(b"{}")
    assert await read(str(path)) == b"{}"
    with pytest.raises(FetchError, match=r"missing\.json"):
        await read(str(tmp_path / "missing.json"))


async def test_an_unpublished_url_is_a_fetch_error(feed: FeedServer) -> None:
    feed.script = [(404, b"<html>not yet</html>")]
    with pytest.raises(FetchError, match="not published yet"):
        await read(feed.url)
    feed.publish(b'{"v": 1}')
    assert await read(feed.url) == b'{"v": 1}'


def test_describe_shows_races_with_their_anomalies_and_caps_them() -> None:
    races = [race({"a": 60, "b": 40}, race_id=f"r{i}") for i in range(MAX_RACES_SHOWN + 2)]
    text = describe(snap(*races), Rules())
    assert text.splitlines()[0].endswith(f"{MAX_RACES_SHOWN + 2} race(s)")
    assert "r0  [national]  Primaire" in text
    assert "units 100/1000 (10.0 %)" in text
    assert text.endswith("… and 2 more race(s)")
    odd = race(shares={"a": 60.0, "b": 45.0}, race_id="odd")
    assert "ANOMALY share_sum" in describe(snap(odd), Rules())
