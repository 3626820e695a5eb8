"""The CSV parser's entry: the contract file, the fetch time, the row cap, any bytes, the config."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import config
from bot.formats.csvfeed import check_options, parse
from bot.formats.csvfeed import parser as csvfeed
from bot.formats.errors import FeedError
from bot.formats.registry import PARSERS
from bot.models import Units
from tests.formats.csvfeed.support import (
    BLOCKS,
    BLOCS_CP1252,
    BREST,
    BREST_CP1252,
    FETCHED,
    LONG,
    ORIGIN,
    PARIS,
    STAMPED,
    no_anomalies,
    reject,
    stamped,
)


def test_long_contract_parses_with_no_options() -> None:
    snap = parse(LONG, "feeds/long-contract.csv", {}, FETCHED)

    assert snap.election == "long-contract"
    assert snap.updated_at == datetime(2027, 1, 24, 21, 30, tzinfo=PARIS)
    assert [r.id for r in snap.races] == ["fe", "29"]
    fe, fin = snap.races
    assert (fe.name, fe.code, fe.level) == ("France entière", "FE", "national")
    assert (fe.units.counted, fe.units.total) == (3100, 7500)
    assert fe.turnout.registered is None
    assert (fe.turnout.voters, fe.turnout.blank, fe.turnout.null) == (412034, 2201, 1450)
    assert fe.turnout.valid == 408383
    assert [(c.id, c.name, c.votes) for c in fe.candidates] == [
        ("CAND_A", "Élise Durand", 143790),
        ("CAND_B", "Marc Lefèvre", 131002),
        ("CAND_C", "Sofia Benali", 133591),
    ]
    assert fe.candidates[0].share == pytest.approx(100 * 143790 / 408383)
    assert all(c.published_share is None for c in fe.candidates)
    assert (fin.code, fin.units.counted, fin.units.total, fin.turnout.registered) == (
        "29",
        180,
        420,
        133000,
    )
    assert fin.votes_cast == fin.turnout.valid == 44700
    no_anomalies(snap)


def test_without_a_data_time_the_fetch_time_dates_the_snapshot() -> None:
    # The fetch time is an argument of every parse: a file without a data time is never
    # undated (it was rejected when a caller gave no fetch time).
    later = datetime(2022, 6, 12, 22, tzinfo=UTC)

    undated = parse(stamped(""), ORIGIN, STAMPED, later)
    assert undated.updated_at == later
    assert [r.dated for r in undated.races] == [False]  # said to be the time received
    assert [r.dated for r in parse(LONG, ORIGIN, {}, FETCHED).races] == [True, True]


def test_rows_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvfeed, "MAX_ROWS", 2)

    err = reject(LONG)

    assert err.field == "line 4"
    assert "more than 2 rows" in err.reason


def outcome(data: bytes, options: dict[str, Any]) -> str:
    try:
        snap = parse(data, ORIGIN, options, FETCHED)
    except FeedError as exc:
        return f"rejected {exc.origin}"
    return "parsed" if snap.races else "empty"


FUZZ_BASE = b"\n".join(BREST_CP1252.splitlines()[:3])


@settings(max_examples=300, deadline=None)
@given(
    cut=st.integers(0, len(FUZZ_BASE)),
    at=st.integers(0, len(FUZZ_BASE) - 1),
    junk=st.binary(max_size=8),
)
def test_damaged_files_raise_only_feed_errors(cut: int, at: int, junk: bytes) -> None:
    data = (FUZZ_BASE[:at] + junk + FUZZ_BASE[at:])[:cut]
    assert outcome(data, BREST) in ("parsed", f"rejected {ORIGIN}")


@settings(max_examples=300, deadline=None)
@given(
    cut=st.integers(0, len(BLOCS_CP1252)),
    at=st.integers(0, len(BLOCS_CP1252) - 1),
    junk=st.binary(max_size=8),
)
def test_damaged_files_in_blocks_raise_only_feed_errors(cut: int, at: int, junk: bytes) -> None:
    data = (BLOCS_CP1252[:at] + junk + BLOCS_CP1252[at:])[:cut]
    assert outcome(data, BLOCKS) in ("parsed", f"rejected {ORIGIN}")


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_any_bytes_raise_only_feed_errors(data: bytes) -> None:
    assert outcome(data, {}) in ("parsed", f"rejected {ORIGIN}")


def test_registered_and_checked_at_config_load(tmp_path: Path) -> None:
    assert PARSERS["csv"].check is check_options
    feed = tmp_path / "feed.csv"
    feed.write_bytes(LONG)
    path = tmp_path / "soiree.toml"
    path.write_text(
        '[[sources]]\nid = "sheet"\nformat = "csv"\npath = "feed.csv"\n'
        "[sources.options]\nlayout = \"wide\"\ncandidate_votes = '^(?P<name>.+) - votes$'\n"
        "[sources.options.columns]\nvotes = 3\n",
        encoding="utf-8",
    )

    with pytest.raises(config.ConfigError) as caught:
        config.load(path)

    assert "sources[0].options.columns.votes: expected a column name" in str(caught.value)


def test_the_data_gouv_file_in_blocks_reads_as_published() -> None:
    snap = parse(BLOCS_CP1252, "feeds/resultats-par-niveau-cirlg.csv", BLOCKS, FETCHED)

    assert [(r.id, r.code, r.level) for r in snap.races] == [
        ("29-01", "29-01", "circonscription"),
        ("29-02", "29-02", "circonscription"),
        ("2a-01", "2A-01", "circonscription"),
        ("zz-11", "ZZ-11", "circonscription"),
    ]
    finistere = snap.races[1]
    assert finistere.name == "Finistère, 2ème circonscription"
    # A constituency is in or not: no stations of its own to count.
    assert finistere.units == Units(counted=1, total=1, kind="none")
    t = finistere.turnout
    assert (t.registered, t.voters, t.blank, t.null, t.valid) == (84005, 28517, 611, 240, 27666)
    assert [(c.id, c.name, c.party, c.votes) for c in finistere.candidates] == [
        ("2", "Anne LE GALL", "NUP", 14551),
        ("5", "Loïc PRIGENT", "ENS", 10022),
        ("1", "Anne LE GALL", "DVD", 684),
        ("4", "Hervé CADIOU", "REC", 1507),
        ("3", "Soizic MORVAN", "ECO", 902),
    ]
    assert finistere.candidates[0].published_share == 52.60
    assert finistere.votes_cast == t.valid
    # Its last block without the trailing Sièges cell still reads whole.
    assert [c.votes for c in snap.races[2].candidates] == [15021, 9876, 4210]
    assert snap.updated_at == FETCHED
    no_anomalies(snap)


def test_the_blocks_layout_defaults_to_the_data_gouv_constituency_file() -> None:
    snap = parse(BLOCS_CP1252, ORIGIN, {"layout": "blocks"}, FETCHED)

    assert snap == parse(BLOCS_CP1252, ORIGIN, BLOCKS, FETCHED)
