"""`python -m bot fetch`'s pieces: options read as TOML, a feed read once, a snapshot shown."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.config import Config, SourceConfig
from bot.feedcheck import (
    MAX_RACES_SHOWN,
    describe,
    parse_options,
    read,
    source_for,
    with_options,
)
from bot.models import Candidate, Turnout
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
    assert text.endswith("… and 2 more race(s): --all shows them")
    odd = race(shares={"a": 60.0, "b": 45.0}, race_id="odd")
    assert "ANOMALY share_sum" in describe(snap(odd), Rules())


def test_describe_shows_every_race_on_request() -> None:
    races = [race({"a": 60, "b": 40}, race_id=f"r{i}") for i in range(MAX_RACES_SHOWN + 2)]
    text = describe(snap(*races), Rules(), show_all=True)
    assert f"r{MAX_RACES_SHOWN + 1}  [national]  Primaire" in text
    assert "more race(s)" not in text


def test_describe_shows_candidate_ids_and_labels_and_unknowns_as_dashes() -> None:
    r = dataclasses.replace(
        race({"13": 16_332}, total=None, name="Paris, 9ème"),
        turnout=Turnout(valid=38_070),
        candidates=(
            Candidate(id="13", name="Sandrine ROUSSEAU", votes=16_332, share=95.8, party="NUP"),
            Candidate(id="8", name="Sandrine ROUSSEAU", votes=716, share=4.2),
            Candidate(id="x", name="Nobody", share=None),
        ),
    )
    lines = describe(snap(r), Rules()).splitlines()
    assert "units 100/— (—)  registered —  voters —  blank —  null —  valid 38070" in lines[3]
    assert lines[4].split() == ["id", "candidate", "party", "votes", "share"]
    assert lines[5].split() == ["13", "Sandrine", "ROUSSEAU", "NUP", "16332", "95.80", "%"]
    assert lines[6].split() == ["8", "Sandrine", "ROUSSEAU", "—", "716", "4.20", "%"]
    assert lines[7].split() == ["x", "Nobody", "—", "—", "—"]
    assert "None" not in "\n".join(lines)


def test_replay_options_go_over_the_configs_source_or_make_one(tmp_path: Path) -> None:
    sheet = SourceConfig(id="sheet", format="csv", options={"layout": "wide", "level": "x"},
                         url="https://x.test/a.csv")  # fmt: skip
    other = SourceConfig(id="fe", format="canonical-json", url="https://x.test/fe.json")
    config = Config(path=tmp_path / "c.toml", db=Path(":memory:"), rules=Rules(),
                    sources=(other, sheet))  # fmt: skip

    changed = with_options(config, "csv", ["layout=blocks"])
    assert [s.id for s in changed.sources] == ["fe", "sheet"]
    assert changed.sources[1].options == {"layout": "blocks", "level": "x"}
    assert changed.sources[1].url == sheet.url
    made = with_options(config, "fr-interior-xml", ["round=2"])
    assert (made.sources[0].format, made.sources[0].options) == ("fr-interior-xml", {"round": 2})
    assert with_options(config, "csv", []) is config
    with pytest.raises(ValueError, match=r"^--option layout: expected 'long', 'wide' or"):
        with_options(config, "csv", ["layout=diagonal"])
    with pytest.raises(ValueError, match="expected key=value"):
        with_options(config, "csv", ["layout"])


def test_the_source_read_gives_its_options_and_caps(tmp_path: Path) -> None:
    feeds = [
        SourceConfig(id="a", format="csv", url="https://x.test/a.csv", max_bytes=10),
        SourceConfig(id="b", format="csv", path=tmp_path / "b.csv", timeout=3.0),
        SourceConfig(id="c", format="canonical-json", url="https://x.test/c.json"),
    ]
    config = Config(
        path=tmp_path / "c.toml", db=Path(":memory:"), rules=Rules(), sources=tuple(feeds)
    )
    assert source_for(config, "csv", str(tmp_path / "b.csv")).id == "b"  # the one it reads
    assert source_for(config, "csv", "https://x.test/a.csv").id == "a"
    assert source_for(config, "csv", "https://x.test/other.csv").id == "a"  # first in format
    default = source_for(config, "clarity-xml", "https://x.test/detail.zip")
    assert (default.timeout, default.max_bytes) == (10.0, 20_000_000)  # SourceConfig's


async def test_a_read_keeps_the_sources_cap(tmp_path: Path, feed: FeedServer) -> None:
    path = tmp_path / "feed.json"
    path.write_bytes(b"x" * 11)
    capped = SourceConfig(id="s", format="canonical-json", max_bytes=10, timeout=5)
    with pytest.raises(FetchError, match="11 bytes, over the 10-byte cap"):
        await read(str(path), capped)
    feed.publish(b"x" * 11)
    with pytest.raises(FetchError, match="over the 10-byte cap"):
        await read(feed.url, capped)
    assert await read(feed.url) == b"x" * 11  # SourceConfig's 20 MB
