"""`python -m bot fetch`'s pieces: options read as TOML, a feed read once, a snapshot shown."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.config import ChartsConfig, ChatConfig, Config, SourceConfig
from bot.feedcheck import (
    MAX_IDS_SHOWN,
    MAX_RACES_SHOWN,
    describe,
    format_hint,
    mismatches,
    parse_options,
    read,
    source_for,
    with_options,
)
from bot.formats.canonical import FORMAT
from bot.models import Candidate, Turnout, replace
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
    r = replace(
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


def test_source_for_without_a_format_takes_the_configs_source(tmp_path: Path) -> None:
    sheet = SourceConfig(id="sheet", format="csv", path=tmp_path / "b.csv")
    fe = SourceConfig(id="fe", format="fr-interior-xml", url="https://x.test/FE.xml")
    config = Config(path=tmp_path / "c.toml", db=Path(":memory:"), rules=Rules(),
                    sources=(fe, sheet))  # fmt: skip
    assert source_for(config, None, str(tmp_path / "b.csv")).id == "sheet"  # the one it reads
    assert source_for(config, None, "elsewhere.xml").id == "fe"  # else the first
    # A format named: never a source of another format, though it reads the file.
    assert source_for(config, "canonical-json", str(tmp_path / "b.csv")).format == FORMAT
    empty = dataclasses.replace(config, sources=())
    assert source_for(empty, None, "feed.json").format == "canonical-json"


def test_mismatches_name_the_ids_a_feed_lacks_and_those_it_has(tmp_path: Path) -> None:
    config = Config(
        path=tmp_path / "c.toml",
        db=Path(":memory:"),
        rules=Rules(previous_round_voters=(("fe", 10), ("paris", 10))),
        sources=(),
        main_races=("fe", "lyon"),
        charts=ChartsConfig(colours=(("a", "#000000"), ("zed", "#FFFFFF"))),
        chats=(ChatConfig(platform="telegram", id="1", races=("*", "area:75", "area:13")),),
    )
    feed = snap(race({"a": 60, "b": 40}, race_id="fe"), race({"a": 1}, race_id="75056"))
    assert mismatches(config, [feed]) == [
        f"{tmp_path / 'c.toml'}: {line}"
        for line in (
            "charts.colours.zed: no such candidate in the feed, which has a, b",
            "rules.previous_round_voters.paris: no such race in the feed, which has 75056, fe",
            "main_races[1] = 'lyon': no such race in the feed, which has 75056, fe",
            "chats[0].races[2] = 'area:13': matches no race of the feed, which has 75056, fe",
        )
    ]
    many = snap(*(race({"a": 1}, race_id=f"r{i:02d}") for i in range(MAX_IDS_SHOWN + 3)))
    (line,) = mismatches(dataclasses.replace(config, charts=ChartsConfig(), chats=(),
                                             rules=Rules(), main_races=("x",)), [many])  # fmt: skip
    assert line.endswith(f", r{MAX_IDS_SHOWN - 1:02d}… ({MAX_IDS_SHOWN + 3} in all)")


@pytest.mark.parametrize(
    ("data", "fmt", "says"),
    [
        (b"\xef\xbb\xbf  <?xml version='1.0'?><Election/>", FORMAT, "it looks like XML"),
        (b"PK\x03\x04rest", FORMAT, "it looks like a zip"),
        (b"code;name;votes\n1;a;3\n", FORMAT, "it looks like CSV"),
        (b'{"election": ', FORMAT, ""),  # JSON, only broken
        (b"<Election/>", "fr-interior-xml", ""),  # its format was named
    ],
)
def test_a_format_hint_names_what_the_bytes_look_like(data: bytes, fmt: str, says: str) -> None:
    hint = format_hint(data, fmt)
    assert hint.startswith(says) if says else hint == ""
