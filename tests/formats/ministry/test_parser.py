"""The Ministry parser's entry: options, the data time, the registry, the config, a replay."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import ConfigError, load
from bot.formats.ministry import FORMAT, check_options, parse
from bot.formats.registry import PARSERS
from tests.formats.ministry.support import (
    FETCHED,
    PARIS,
    REPLAY,
    ROOT,
    fixture,
    race,
    read,
    reject,
)


def test_fe_reads_the_highest_round_with_its_counts() -> None:
    snap = read("FE_T2.xml")
    assert snap.election == "presidentielle-2017-t2"
    assert snap.updated_at == FETCHED
    fe = race(snap, "FE")
    assert (fe.name, fe.level, fe.code, fe.final) == ("France entière", "national", "FE", False)
    assert (fe.units.counted, fe.units.total) == (0, None)
    t = fe.turnout
    assert (t.registered, t.voters, t.blank, t.null, t.valid) == (
        31_403_992,
        24_606_959,
        2_012_554,
        702_318,
        21_892_087,
    )
    assert [(c.id, c.name, c.votes) for c in fe.candidates] == [
        ("2", "Achille MIREPOIX", 13_890_210),
        ("9", "Patrick POMPANON", 8_001_877),
    ]
    assert [c.published_share for c in fe.candidates] == [63.45, 36.55]
    assert fe.candidates[0].share == pytest.approx(100 * 13_890_210 / 21_892_087)
    assert fe.votes_cast == t.valid


def test_without_a_data_time_the_fetch_time_dates_the_snapshot() -> None:
    # The fetch time is an argument of every parse: a file without DateDerMaj is never
    # undated (it was rejected when a caller gave no fetch time).
    later = datetime(2017, 5, 7, 19, tzinfo=UTC)
    assert parse(fixture("FE_T2.xml"), "FE.xml", {}, later).updated_at == later
    assert read("075com_T2.xml").updated_at != FETCHED  # the file's own time comes first


def test_2024_dialect() -> None:
    snap = read("R1_2A_2024.xml")
    assert snap.election == "presidentielle-2027-t1"
    assert snap.updated_at == datetime(2027, 4, 11, 21, 30, tzinfo=PARIS)
    assert [r.id for r in snap.races] == ["D02A", "C02A004", "C02A041", "C02A247"]
    dept = race(snap, "D02A")
    assert (dept.code, dept.level, dept.final) == ("02A", "département", False)
    # PourcentageBureauxDeVoteSaisis "  62,50" → 6250 of 10000.
    assert (dept.units.counted, dept.units.total) == (6250, 10_000)
    assert dept.units.pct == pytest.approx(62.5)
    ajaccio = race(snap, "C02A004")
    assert ajaccio.code == "2A004"
    assert [(c.id, c.name, c.votes, c.published_share) for c in ajaccio.candidates] == [
        ("1", "Frédéric HORTALA", 9_400, 45.8),
        ("2", "Achille MIREPOIX", 8_120, 39.56),
        ("10", "François BAVÉLÈRE", 3_004, 14.64),
    ]
    assert ajaccio.turnout.voters == 812 + 402 + 20_524
    # ResultatsParvenus NON: listed, not received.
    porto = race(snap, "C02A247")
    assert (porto.units.counted, porto.has_results) == (0, False)
    assert [c.votes for c in dept.candidates] == [9_400 + 610, 8_120 + 590, 3_004 + 180]


def test_check_options() -> None:
    assert check_options({}) == []
    assert check_options({"round": 2, "communes": ["056AR01", "075056"]}) == []
    assert check_options({"round": "x"}) == ["round: expected a whole number, not 'x'"]
    assert check_options({"round": True}) == ["round: expected a whole number, not True"]
    assert check_options({"round": 0}) == ["round: expected 1 or more, not 0"]
    assert check_options({"communes": "056"}) == [
        "communes: expected a list of commune codes, not '056'"
    ]
    assert check_options({"communes": ["056", 56]}) == [
        'communes[1]: expected a commune code as a string (e.g. "056AR01"), not 56'
    ]
    # The fetch time is an argument of parse, no longer an option: the key is unknown.
    assert check_options({"_fetched_at": FETCHED}) == [
        "_fetched_at: unknown option (this format takes round, communes)"
    ]
    assert check_options({"tour": 2}) == [
        "tour: unknown option (this format takes round, communes)"
    ]
    assert check_options({"comunes": []}) == [
        "comunes: unknown option; did you mean `communes`? (this format takes round, communes)"
    ]


def test_parse_refuses_bad_options() -> None:
    err = reject(fixture("FE_T2.xml"), round="x")
    assert err.field == "(options)"
    assert err.reason == "round: expected a whole number, not 'x'"


def test_registered_and_checked_from_the_config(tmp_path: Path) -> None:
    assert PARSERS[FORMAT].parse is parse
    assert PARSERS[FORMAT].check is check_options
    feed = tmp_path / "FE.xml"
    feed.write_bytes(fixture("FE_T2.xml"))
    good = _config(tmp_path, [feed], 'round = 2\ncommunes = ["056"]')
    assert load(good).sources[0].options == {"round": 2, "communes": ["056"]}
    bad = _config(tmp_path, [feed], 'round = "x"')
    with pytest.raises(ConfigError, match=r"sources\[0\]\.options\.round: expected a whole"):
        load(bad)


def _config(tmp_path: Path, files: list[Path], options: str) -> Path:
    path = tmp_path / "soiree.toml"
    replay = ", ".join(json.dumps(str(f)) for f in files)
    path.write_text(
        'locale = "fr"\n\n[[sources]]\nid = "ministere"\nformat = "fr-interior-xml"\n'
        f"replay = [{replay}]\n\n[sources.options]\n{options}\n",
        encoding="utf-8",
    )
    return path


def test_replay_from_first_communes_to_complete(tmp_path: Path) -> None:
    config = _config(tmp_path, REPLAY, "round = 2")
    files = [str(p) for p in REPLAY]
    args = ["--source-format", FORMAT, "--format", "jsonl", "--config", str(config)]
    db = str(tmp_path / "r.db")
    result = _bot("replay", *files, *args, "--db", db)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert not [e for e in events if e["kind"] in ("rejected", "anomaly")], events
    keys = [e["key"] for e in events]
    assert len(keys) == len(set(keys)), keys
    dept = [
        (e["kind"], e.get("threshold"), Path(e["file"]).name) for e in events if e["race"] == "D02A"
    ]
    assert dept == [
        ("caught_up", None, "02Acom_T2_v1.xml"),
        ("reporting_threshold", 50, "02Acom_T2_v2.xml"),
        ("reporting_threshold", 75, "02Acom_T2_v3.xml"),
        ("final", None, "02Acom_T2_v4.xml"),
    ]
    by_key = {e["key"]: e for e in events}
    assert by_key["D02A:reporting:50"]["covers"] == ["D02A:reporting:25"]
    assert by_key["D02A:final"]["covers"] == ["D02A:reporting:90", "D02A:reporting:100"]
    assert "Corse-du-Sud" in by_key["D02A:final"]["text"]
    communes = {e["race"] for e in events if e["race"].startswith("C02A")}
    assert communes == {"C02A004", "C02A041", "C02A247", "C02A272", "C02A017", "C02A108"}
    for commune in communes:  # each comes in whole: one message, never "final" besides
        told = [e for e in events if e["race"] == commune]
        assert [e["kind"] for e in told] == ["first_results"], (commune, told)
        assert told[0]["text"].startswith("Résultats — "), told[0]["text"]
        assert "bureau" not in told[0]["text"]
        assert "Participation : " in told[0]["text"]
    again = _bot("replay", *files, *args, "--db", db)
    assert again.returncode == 0, again.stderr
    assert again.stdout == ""


def test_replay_without_config_uses_the_highest_round(tmp_path: Path) -> None:
    files = [str(p) for p in REPLAY]
    result = _bot("replay", *files, "--source-format", FORMAT, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    kinds = [json.loads(line)["kind"] for line in result.stdout.splitlines() if line.strip()]
    assert kinds[0] == "caught_up"
    assert kinds.count("final") == 1  # the département; each commune came in whole


def _bot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
