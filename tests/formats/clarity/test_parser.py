"""The Clarity ENR parser: detail.xml and detail.zip; bad, bombed or zipped-wrong files refused."""

from __future__ import annotations

import io
import struct
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.checks import find_anomalies
from bot.formats.clarity import check_options, document, parse
from bot.formats.errors import FeedError
from bot.formats.registry import PARSERS
from bot.models import Snapshot
from bot.rules import Rules

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "clarity"
XML = (FIXTURES / "detail.xml").read_bytes()
ZIP = (FIXTURES / "detail.zip").read_bytes()
ORIGIN = "KY/Greenup/115489/298731/reports/detailxml.zip"
EST = timezone(timedelta(hours=-5))
FETCHED = datetime(2024, 11, 6, 4, tzinfo=UTC)  # not used: a Clarity file has its own time

STATE_XML = b"""<?xml version="1.0"?>
<ElectionResult>
    <Timestamp>11/3/2020 9:05:00 PM CST</Timestamp>
    <ElectionName>General Election</ElectionName>
    <ElectionDate>11/3/2020</ElectionDate>
    <Region>AR</Region>
    <ElectionVoterTurnout totalVoters="5000" ballotsCast="2100" voterTurnout="42.00">
        <Counties>
            <County name="Pulaski" totalVoters="3000" ballotsCast="1500" voterTurnout="50.00"
                precinctsParticipating="10" precinctsReported="6"
                precinctsReportingPercent="60.00" />
            <County name="Benton" totalVoters="2000" ballotsCast="600" voterTurnout="30.00"
                precinctsParticipating="8" precinctsReported="2"
                precinctsReportingPercent="25.00" />
        </Counties>
    </ElectionVoterTurnout>
    <Contest key="0100" text="U.S. Senate" voteFor="1" isQuestion="false"
        countiesParticipating="2" countiesReported="0" precinctsParticipating="18"
        precinctsReported="8" precinctsReportingPercent="44.44">
        <ParticipatingCounties>
            <County name="Pulaski" precinctsParticipating="10" precinctsReported="6"
                precinctsReportingPercent="60.00" />
            <County name="Benton" precinctsParticipating="8" precinctsReported="2"
                precinctsReportingPercent="25.00" />
        </ParticipatingCounties>
        <Choice key="001" text="Tom Cotton" party="REP" totalVotes="1200">
            <VoteType name="Election Day" votes="1000">
                <County name="Pulaski" votes="700" />
                <County name="Benton" votes="300" />
            </VoteType>
            <VoteType name="Absentee" votes="200">
                <County name="Pulaski" votes="150" />
                <County name="Benton" votes="50" />
            </VoteType>
        </Choice>
        <Choice key="002" text="Ricky Dale Harrington" party="LIB" totalVotes="800">
            <VoteType name="Election Day" votes="600">
                <County name="Pulaski" votes="500" />
                <County name="Benton" votes="100" />
            </VoteType>
            <VoteType name="Absentee" votes="200">
                <County name="Pulaski" votes="100" />
                <County name="Benton" votes="100" />
            </VoteType>
        </Choice>
    </Contest>
</ElectionResult>
"""


def read(data: bytes, **options: Any) -> Snapshot:
    return parse(data, ORIGIN, options, FETCHED)


def reject(data: bytes, **options: Any) -> FeedError:
    with pytest.raises(FeedError) as caught:
        parse(data, ORIGIN, options, FETCHED)
    assert caught.value.origin == ORIGIN
    assert str(caught.value).startswith(f"{ORIGIN}: ")
    return caught.value


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def changed(old: str, new: str, count: int = 1) -> bytes:
    assert old.encode() in XML
    return XML.replace(old.encode(), new.encode(), count)


# --- a county file -------------------------------------------------------------------------


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


def test_a_vote_for_two_contest_has_no_voters() -> None:
    council = read(XML).races[2]

    assert council.turnout.voters is None
    assert council.turnout.registered == 3250
    assert (council.units.counted, council.units.total) == (1, 2)
    assert [c.votes for c in council.candidates] == [410, 380, 300]


def test_the_zip_parses_like_the_plain_xml() -> None:
    assert ZIP.startswith(b"PK\x03\x04")
    with zipfile.ZipFile(io.BytesIO(ZIP)) as archive:
        assert archive.namelist() == ["detail.xml"]
        assert archive.read("detail.xml") == XML

    assert read(ZIP) == read(XML)
    assert read(ZIP, breakdown=True) == read(XML, breakdown=True)


def test_breakdown_adds_one_race_per_precinct() -> None:
    snap = read(XML, breakdown=True)

    ids = [r.id for r in snap.races]
    assert ids[:4] == ["us-senator", "us-senator/a101", "us-senator/a102", "us-senator/b201"]
    assert "city-council-ward-a/a102" not in ids
    a101 = snap.race("us-senator/a101")
    assert a101 is not None
    assert (a101.name, a101.level, a101.code) == ("US Senator — A101", "precinct", "A101")
    assert (a101.units.counted, a101.units.total) == (1, 1)
    assert (a101.turnout.registered, a101.turnout.voters) == (1200, 640)
    assert [c.votes for c in a101.candidates] == [330, 290]
    b201 = snap.race("us-senator/b201")
    assert b201 is not None
    assert (b201.units.counted, b201.units.total, b201.votes_cast) == (0, 1, 0)
    for contest in ("us-senator", "constitutional-amendment-1", "city-council-ward-a"):
        whole = snap.race(contest)
        assert whole is not None
        parts = [r for r in snap.races if r.id.startswith(f"{contest}/")]
        for i, cand in enumerate(whole.candidates):
            assert sum(p.candidates[i].votes or 0 for p in parts) == cand.votes
    for race in snap.races:
        assert find_anomalies(None, race, Rules()) == [], race.id


def test_contests_option_follows_only_those(tmp_path: Path) -> None:
    snap = read(XML, contests=["us senator", "2"])

    assert [r.id for r in snap.races] == ["us-senator", "constitutional-amendment-1"]


def test_a_followed_contest_missing_from_the_file_is_rejected() -> None:
    err = reject(XML, contests=["US Senator", "Governor"])

    assert (err.field, err.value) == ("options.contests", ["governor"])


def test_same_names_get_their_keys_appended() -> None:
    data = changed('text="Jane SMITH"', 'text="Robert JONES"')
    data = data.replace(b'text="US Senator"', b'text="Constitutional Amendment 1"')

    snap = read(data)

    assert [r.id for r in snap.races][:2] == [
        "constitutional-amendment-1",
        "constitutional-amendment-1-2",
    ]
    assert [c.id for c in snap.races[0].candidates] == ["robert-jones", "robert-jones-2"]


def test_utf16_with_a_byte_order_mark_is_read_as_xml() -> None:
    assert read(XML.decode("utf-8").encode("utf-16")) == read(XML)


def test_election_option_and_unloaded_registration() -> None:
    data = changed('VoterTurnout totalVoters="3250"', 'VoterTurnout totalVoters="0"')

    snap = read(data, election="ky-greenup-2024")

    assert snap.election == "ky-greenup-2024"
    assert snap.races[0].turnout.registered is None
    assert snap.races[0].turnout.voters == 1145


# --- a state file --------------------------------------------------------------------------


def test_state_file_with_county_breakdown() -> None:
    snap = read(STATE_XML, breakdown=True)

    assert snap.updated_at == datetime(2020, 11, 4, 3, 5, tzinfo=UTC)
    senate, pulaski, benton = snap.races
    assert (senate.id, senate.level, senate.code) == ("u-s-senate", "state", "AR")
    assert (senate.units.counted, senate.units.total) == (8, 18)
    assert (senate.turnout.registered, senate.turnout.voters) == (5000, 2100)
    assert [(c.id, c.votes) for c in senate.candidates] == [
        ("tom-cotton", 1200),
        ("ricky-dale-harrington", 800),
    ]
    assert (pulaski.id, pulaski.level, pulaski.code) == ("u-s-senate/pulaski", "county", "Pulaski")
    assert (pulaski.units.counted, pulaski.units.total) == (6, 10)
    assert (pulaski.turnout.registered, pulaski.turnout.voters) == (3000, 1500)
    assert [c.votes for c in pulaski.candidates] == [850, 600]
    assert [c.votes for c in benton.candidates] == [350, 200]


def test_state_contest_reporting_more_than_participating_is_rejected() -> None:
    data = STATE_XML.replace(b'precinctsParticipating="18"', b'precinctsParticipating="7"')

    err = reject(data)

    assert (err.field, err.value) == ("Contest[key=0100]@precinctsReported", 8)


# --- timestamps ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("11/5/2024 10:42:17 PM EST", datetime(2024, 11, 6, 3, 42, 17, tzinfo=UTC)),
        ("5/20/2014 8:19:21 PM EDT", datetime(2014, 5, 21, 0, 19, 21, tzinfo=UTC)),
        ("11/5/2024 9:00:00 PM CST", datetime(2024, 11, 6, 3, 0, tzinfo=UTC)),
        ("11/5/2024 7:00:00 PM MST", datetime(2024, 11, 6, 2, 0, tzinfo=UTC)),
        ("6/7/2022 11:59:59 PM PDT", datetime(2022, 6, 8, 6, 59, 59, tzinfo=UTC)),
        ("11/5/2024 12:05:00 AM AKST", datetime(2024, 11, 5, 9, 5, tzinfo=UTC)),
        ("11/5/2024 12:05:00 PM HST", datetime(2024, 11, 5, 22, 5, tzinfo=UTC)),
        ("11/5/2024 1:00:00 AM UTC", datetime(2024, 11, 5, 1, 0, tzinfo=UTC)),
    ],
)
def test_timestamps_with_us_zone_abbreviations(stamp: str, expected: datetime) -> None:
    data = changed("11/5/2024 10:42:17 PM EST", stamp)

    assert read(data).updated_at == expected


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        ("11/5/2024 10:42:17 PM XST", "unknown time zone"),
        ("2024-11-05T22:42:17-05:00", "expected M/D/YYYY"),
        ("13/5/2024 10:42:17 PM EST", "not a date"),
        ("11/5/2024 22:42:17 PM EST", "hour"),
        ("", "expected M/D/YYYY"),
    ],
)
def test_a_bad_timestamp_is_rejected(stamp: str, reason: str) -> None:
    err = reject(changed("11/5/2024 10:42:17 PM EST", stamp))

    assert err.field == "Timestamp"
    assert err.value == (stamp or None)
    assert reason in err.reason


# --- bad documents -------------------------------------------------------------------------

SMITH = "Contest[key=1]/Choice[key=1]"


@pytest.mark.parametrize(
    ("old", "new", "field", "value", "reason"),
    [
        (
            '<Precinct name="A101" votes="300" />',
            '<Precinct name="A101" votes="12.5" />',
            f"{SMITH}/VoteType[name=Election Day]/Precinct[name=A101]@votes",
            "12.5",
            "whole number",
        ),
        (
            '<Precinct name="A101" votes="300" />',
            '<Precinct name="A101" />',
            f"{SMITH}/VoteType[name=Election Day]/Precinct[name=A101]@votes",
            None,
            "missing",
        ),
        ('totalVotes="570"', 'totalVotes="-570"', f"{SMITH}@totalVotes", "-570", "whole number"),
        ('text="Jane SMITH"', 'text=" "', f"{SMITH}@text", " ", "non-empty"),
        (
            'precinctsReporting="3" precinctsReported="2"',
            "",
            "Contest[key=1]@precinctsReported",
            None,
            "missing",
        ),
        ('ballotsCast="1145"', 'ballotsCast="many"', "VoterTurnout@ballotsCast", "many", "whole"),
        (
            "<Timestamp>11/5/2024 10:42:17 PM EST</Timestamp>",
            "",
            "ElectionResult/Timestamp",
            None,
            "missing",
        ),
        ("<ElectionResult>", "<Results>", "(document)", "Results", "expected the root"),
        ("</ElectionResult>", "</Results>", "(document, line 128)", None, "invalid XML"),
        ('text="Jane SMITH"', f'text="{"J" * 201}"', f"{SMITH}@text", "J" * 201, "longer than 200"),
    ],
)
def test_bad_documents_name_the_element(
    old: str, new: str, field: str, value: Any, reason: str
) -> None:
    err = reject(changed(old, new))

    assert err.field == field
    if value is not None:
        assert err.value == value
    assert reason in err.reason


@pytest.mark.parametrize(
    ("data", "field", "reason"),
    [
        (XML[: len(XML) // 2], "(document, line", "invalid XML"),
        (b"", "(document", "invalid XML"),
        (b'<?xml version="1.0"?>\n<Results/>', "(document)", "expected the root ElectionResult"),
        (
            XML.replace(b"<Contest", b"<Race").replace(b"</Contest>", b"</Race>"),
            "ElectionResult/Contest",
            "no contest",
        ),
    ],
)
def test_unreadable_documents_are_rejected(data: bytes, field: str, reason: str) -> None:
    err = reject(data)

    assert err.field.startswith(field)
    assert reason in err.reason


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE ElectionResult [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ElectionResult><ElectionName>&lol9;</ElectionName></ElectionResult>
"""


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        XML.replace(
            b"<ElectionResult>",
            b'<!DOCTYPE ElectionResult [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            b"<ElectionResult>",
        ).replace(b"<Region>Greenup</Region>", b"<Region>&x;</Region>"),
        XML.replace(
            b"<ElectionResult>",
            b'<!DOCTYPE ElectionResult SYSTEM "http://x/e.dtd">\n<ElectionResult>',
        ),
    ],
    ids=["billion-laughs", "external-entity", "external-dtd"],
)
def test_entity_bombs_and_doctypes_are_refused(data: bytes) -> None:
    err = reject(data)
    assert err.field == "(document)/!DOCTYPE"
    assert str(err.value).startswith("<!DOCTYPE ElectionResult")

    err = reject(zipped({"detail.xml": data}))
    assert err.field == "(document)/!DOCTYPE"


# --- zips ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "value"),
    [
        ({"detail.xml": XML, "summary.csv": b"x"}, ["detail.xml", "summary.csv"]),
        ({"Detail.XML": XML}, ["Detail.XML"]),
        ({}, []),
    ],
)
def test_a_zip_must_hold_exactly_detail_xml(members: dict[str, bytes], value: list[str]) -> None:
    err = reject(zipped(members))

    assert (err.field, err.value) == ("(zip)", value)
    assert "detail.xml" in err.reason


def test_a_truncated_zip_is_rejected() -> None:
    err = reject(ZIP[: len(ZIP) // 2])

    assert err.field == "(zip)"
    assert "zip" in err.reason


def test_a_zip_bomb_is_refused_before_it_is_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "MAX_XML_BYTES", 100_000)
    bomb = zipped({"detail.xml": XML + b" " * 200_000})
    assert len(bomb) < 10_000

    err = reject(bomb)

    assert err.field == "(zip)/detail.xml"
    assert err.value == f"{len(XML) + 200_000} bytes"
    assert "more than 100000" in err.reason


def test_a_zip_that_understates_its_size_is_cut_at_the_stated_size() -> None:
    content = XML + b" " * 50_000
    data = bytearray(zipped({"detail.xml": content}))
    stated = struct.pack("<I", len(XML))
    local = data.find(b"PK\x03\x04")
    data[local + 22 : local + 26] = stated
    central = data.find(b"PK\x01\x02")
    data[central + 24 : central + 28] = stated

    err = reject(bytes(data))

    assert err.field == "(zip)"
    assert "CRC" in str(err.value)


def test_plain_xml_over_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "MAX_XML_BYTES", 1_000)

    err = reject(XML)

    assert (err.field, err.value) == ("(document)", f"{len(XML)} bytes")


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


# --- options ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"breakdwon": True}, "breakdwon: unknown option"),
        ({"breakdown": "yes"}, "breakdown: expected true or false"),
        ({"contests": "US Senator"}, "contests: expected a list"),
        ({"contests": ["US Senator", 3]}, "contests: expected a list"),
        ({"election": ""}, "election: expected a non-empty string"),
    ],
)
def test_check_options_names_the_key(options: dict[str, Any], error: str) -> None:
    assert [e for e in check_options(options) if e.startswith(error)]


def test_good_options_and_registration() -> None:
    options = {"election": "x", "contests": ["1"], "breakdown": True, "_fetched_at": None}
    assert check_options(options) == []
    assert PARSERS["clarity-xml"].parse is parse
    assert PARSERS["clarity-xml"].check is check_options
    err = reject(XML, breakdown="yes")
    assert err.field == "(options)"
