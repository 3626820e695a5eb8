"""The Clarity parser's entry: a county file, the options, the registry, any damage a FeedError."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.checks import find_anomalies
from bot.formats.clarity import check_options, parse
from bot.formats.errors import FeedError
from bot.formats.registry import PARSERS
from bot.rules import Rules
from tests.formats.clarity.support import (
    EST,
    ORIGIN,
    ROOT,
    STATE_XML,
    XML,
    ZIP,
    changed,
    county_file,
    read,
    reject,
)


def test_county_detail_xml_parses() -> None:
    snap = read(XML)

    assert snap.election == "2024-general-election"
    assert snap.updated_at == datetime(2024, 11, 5, 22, 42, 17, tzinfo=EST)
    assert snap.updated_at == datetime(2024, 11, 6, 3, 42, 17, tzinfo=UTC)
    assert [r.id for r in snap.races] == [
        "us-senator",
        "constitutional-amendment-1",
        "city-council-ward-a",
    ]
    senate = snap.races[0]
    assert (senate.name, senate.level, senate.code) == ("US Senator", "county", "Greenup")
    assert (senate.units.counted, senate.units.total) == (2, 3)
    assert (senate.turnout.registered, senate.turnout.voters) == (3250, 1145)
    assert [(c.id, c.name, c.votes) for c in senate.candidates] == [
        ("jane-smith", "Jane SMITH", 570),
        ("robert-jones", "Robert JONES", 540),
    ]
    assert senate.candidates[0].share == pytest.approx(100 * 570 / 1110)
    assert all(c.published_share is None for c in senate.candidates)
    question = snap.races[1]
    assert [(c.id, c.votes) for c in question.candidates] == [("yes", 620), ("no", 480)]
    for race in snap.races:
        assert find_anomalies(None, race, Rules()) == [], race.id


def test_the_election_name_date_seats_questions_parties_and_blank_choices_are_read() -> None:
    snap = read(XML)

    assert (snap.election_name, snap.election_date) == ("2024 General Election", date(2024, 11, 5))
    senate, question, council = snap.races
    assert [(r.vote_for, r.is_question) for r in snap.races] == [(1, False), (1, True), (2, False)]
    assert [c.party for c in senate.candidates] == ["REP", "DEM"]
    assert [c.party for c in question.candidates] == [None, None]
    assert (senate.turnout.undervotes, senate.turnout.overvotes) == (32, 3)
    assert (question.turnout.undervotes, question.turnout.overvotes) == (44, 1)
    assert [c.votes_by_type for c in senate.candidates] == [570, 540]
    assert (senate.units.kind, council.units.kind) == ("precincts", "precincts")


def test_a_file_without_contest_vote_types_or_a_readable_date_has_none() -> None:
    data = changed("<ElectionDate>11/5/2024</ElectionDate>", "<ElectionDate>5 Nov</ElectionDate>")
    data = data.replace(b'name="Undervotes"', b'name="Write-ins"')

    snap = read(data)

    assert (snap.election_name, snap.election_date) == ("2024 General Election", None)
    assert snap.races[0].turnout.undervotes is None
    assert snap.races[0].turnout.overvotes == 3


def test_progress_in_counties_for_a_state_file() -> None:
    by_precincts = read(STATE_XML).races[0].units
    by_counties = read(STATE_XML, progress="counties").races[0].units

    assert (by_precincts.counted, by_precincts.total, by_precincts.kind) == (8, 18, "precincts")
    assert (by_counties.counted, by_counties.total, by_counties.kind) == (0, 2, "counties")
    err = reject(XML, progress="counties")  # a county file does not count counties
    assert err.field == "Contest[key=1]@countiesParticipating"
    data = STATE_XML.replace(b'countiesReported="0"', b'countiesReported="3"')
    assert reject(data, progress="counties").field == "Contest[key=0100]@countiesReported"


def test_a_total_that_is_not_the_sum_of_its_vote_types_is_an_anomaly() -> None:
    data = STATE_XML.replace(b'totalVotes="1200"', b'totalVotes="1260"')

    senate = read(data, breakdown=True).races[0]

    cotton = senate.candidates[0]
    assert (cotton.votes, cotton.votes_by_type) == (1260, 1200)
    assert find_anomalies(None, senate, Rules()) == [
        ("vote_types:tom-cotton", (("votes", 1260), ("by_type", 1200)))
    ]


def test_contests_option_follows_only_those(tmp_path: Path) -> None:
    snap = read(XML, contests=["us senator", "2"])

    assert [r.id for r in snap.races] == ["us-senator", "constitutional-amendment-1"]


def test_a_followed_contest_missing_from_the_file_is_rejected() -> None:
    err = reject(XML, contests=["US Senator", "Governor"])

    assert (err.field, err.value) == ("options.contests", ["governor"])


def test_election_option_and_unloaded_registration() -> None:
    data = changed('VoterTurnout totalVoters="3250"', 'VoterTurnout totalVoters="0"')

    snap = read(data, election="ky-greenup-2024")

    assert snap.election == "ky-greenup-2024"
    assert snap.races[0].turnout.registered is None
    assert snap.races[0].turnout.voters == 1145


@settings(max_examples=300, deadline=None)
@given(
    base=st.sampled_from([XML, ZIP, STATE_XML]),
    cut=st.integers(0, 10_000),
    at=st.integers(0, 10_000),
    junk=st.binary(max_size=6),
)
def test_damaged_files_raise_only_feed_errors(base: bytes, cut: int, at: int, junk: bytes) -> None:
    at %= len(base)
    data = (base[:at] + junk + base[at:])[: max(cut, len(base) - cut)]
    assert outcome(data) in ("parsed", f"rejected {ORIGIN}")


def outcome(data: bytes) -> str:
    try:
        snap = read(data, breakdown=True)
    except FeedError as exc:
        return f"rejected {exc.origin}"
    return "parsed" if snap.races else "empty"


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"breakdwon": True}, "breakdwon: unknown option; did you mean `breakdown`?"),
        ({"breakdown": "yes"}, "breakdown: expected true or false"),
        ({"contests": "US Senator"}, "contests: expected a list"),
        ({"contests": ["US Senator", 3]}, "contests: expected a list"),
        ({"election": ""}, "election: expected a non-empty string"),
        ({"progress": "wards"}, "progress: expected one of precincts, counties"),
    ],
)
def test_check_options_names_the_key(options: dict[str, Any], error: str) -> None:
    assert [e for e in check_options(options) if e.startswith(error)]


def test_good_options_and_registration() -> None:
    options = {"election": "x", "contests": ["1"], "breakdown": True, "_fetched_at": None}
    assert check_options(options | {"progress": "counties"}) == []
    assert check_options(options) == []
    assert PARSERS["clarity-xml"].parse is parse
    assert PARSERS["clarity-xml"].check is check_options
    err = reject(XML, breakdown="yes")
    assert err.field == "(options)"


# --- a night through `python -m bot replay` ---------------------------------------------------

COUNCIL, MEASURE = "City Council - Ward A", "Amendment 1"
NIGHT = [  # (time, precincts reported, council: voteFor 2, measure: a question)
    ("9:00:00 PM", 1, {"Mei LEE": (100, 0, 0), "Raj PATEL": (90, 0, 0), "Linh NGUYEN": (50, 0, 0)},
     {"Yes": (120, 0, 0), "No": (100, 0, 0)}),
    # PATEL passes LEE: both are still elected, nothing to tell; No passes Yes.
    ("9:30:00 PM", 2, {"Mei LEE": (100, 80, 0), "Raj PATEL": (90, 110, 0),
                       "Linh NGUYEN": (50, 70, 0)},
     {"Yes": (120, 80, 0), "No": (100, 130, 0)}),
    # NGUYEN comes into the two seats, LEE drops out.
    ("10:00:00 PM", 3, {"Mei LEE": (100, 80, 80), "Raj PATEL": (90, 110, 70),
                        "Linh NGUYEN": (50, 70, 155)},
     {"Yes": (120, 80, 100), "No": (100, 130, 90)}),
    # No's totalVotes is not the sum of its vote types: flagged, nothing announced.
    ("10:30:00 PM", 3, {"Mei LEE": (100, 80, 80), "Raj PATEL": (90, 110, 70),
                        "Linh NGUYEN": (50, 70, 155)},
     {"Yes": (120, 80, 100), "No": (100, 130, 90, 350)}),
]  # fmt: skip


def _night(tmp_path: Path) -> list[Path]:
    files = []
    for n, (time, reported, council, measure) in enumerate(NIGHT, start=1):
        contests = {COUNCIL: (2, False, council), MEASURE: (1, True, measure)}
        path = tmp_path / f"v{n}" / "detail.xml"
        path.parent.mkdir()
        path.write_bytes(county_file(f"11/5/2024 {time} EST", reported, contests))
        files.append(path)
    return files


def test_a_night_of_a_two_seat_race_and_a_measure_through_replay(tmp_path: Path) -> None:
    files = _night(tmp_path)
    config = tmp_path / "soiree.toml"
    config.write_text(
        'locale = "en"\ntimezone = "America/New_York"\n\n[[sources]]\nid = "greenup"\n'
        f'format = "clarity-xml"\nreplay = {json.dumps([str(f) for f in files])}\n',
        encoding="utf-8",
    )
    args = ["--source-format", "clarity-xml", "--format", "jsonl", "--config", str(config)]
    db = str(tmp_path / "r.db")

    result = _bot("replay", *map(str, files), *args, "--db", db)

    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    told = [(e["race"], e["kind"], Path(e["file"]).parent.name) for e in events]
    leaders = [e for e in events if e["kind"] == "leader_changed"]
    assert [(e["race"], Path(e["file"]).parent.name) for e in leaders] == [
        ("amendment-1", "v2"),
        ("city-council-ward-a", "v3"),
    ], told
    measure, council = (e["text"].splitlines()[0] for e in leaders)
    assert measure == "“No” is now ahead of “Yes” — Amendment 1"
    assert council == (
        "Linh NGUYEN moves into the 2 winning places, Mei LEE drops out — City Council - Ward A"
    )
    assert [(r, k) for r, k, f in told if f == "v4"] == [("amendment-1", "anomaly")]
    (anomaly,) = [e for e in events if e["kind"] == "anomaly"]
    assert "No: total of 350 votes, but its vote types add up to 320" in anomaly["text"]
    again = _bot("replay", *map(str, files), *args, "--db", db)
    assert (again.returncode, again.stdout) == (0, "")


def _bot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
