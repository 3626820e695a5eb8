"""What the Clarity parser's tests share: fixtures, a state file, and parse, reject or zip one."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.formats.clarity import parse
from bot.formats.errors import FeedError
from bot.models import Snapshot

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "clarity"
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


PRECINCTS = ("A101", "A102", "B201")
Choices = dict[str, tuple[int, ...]]  # choice → votes per precinct (and a stated total)


def county_file(stamp: str, reported: int, contests: dict[str, tuple[int, bool, Choices]]) -> bytes:
    """Return a county detail.xml in Clarity's shape: per contest (voteFor, isQuestion,
    choices), each choice's Election Day votes in PRECINCTS. A fourth number in a choice's
    votes is its totalVotes, stated apart from its vote types (the Arkansas anomaly)."""
    parts = [
        '<?xml version="1.0"?>\n<ElectionResult>',
        f"<Timestamp>{stamp}</Timestamp>",
        "<ElectionName>2024 Greenup Night</ElectionName><ElectionDate>11/5/2024</ElectionDate>",
        '<Region>Greenup</Region><VoterTurnout totalVoters="3000" ballotsCast="1500"><Precincts>',
        *(f'<Precinct name="{p}" totalVoters="1000" ballotsCast="500" />' for p in PRECINCTS),
        "</Precincts></VoterTurnout>",
    ]
    for key, (text, (vote_for, question, choices)) in enumerate(contests.items(), start=1):
        parts.append(
            f'<Contest key="{key}" text="{text}" voteFor="{vote_for}" '
            f'isQuestion="{str(question).lower()}" precinctsReporting="{len(PRECINCTS)}" '
            f'precinctsReported="{reported}">'
        )
        for n, (name, votes) in enumerate(choices.items(), start=1):
            by_place, total = votes[: len(PRECINCTS)], votes[len(PRECINCTS) :] or (sum(votes),)
            places = "".join(
                f'<Precinct name="{p}" votes="{v}" />'
                for p, v in zip(PRECINCTS, by_place, strict=True)
            )
            day = f'<VoteType name="Election Day" votes="{sum(by_place)}">{places}</VoteType>'
            parts.append(f'<Choice key="{n}" text="{name}" totalVotes="{total[0]}">{day}</Choice>')
        parts.append("</Contest>")
    parts.append("</ElectionResult>\n")
    return "\n".join(parts).encode()


def read(data: bytes, **options: Any) -> Snapshot:
    """Parse a Clarity file with these options."""
    return parse(data, ORIGIN, options, FETCHED)


def reject(data: bytes, **options: Any) -> FeedError:
    """Return the FeedError the parse raises, checking that it names ORIGIN."""
    with pytest.raises(FeedError) as caught:
        parse(data, ORIGIN, options, FETCHED)
    assert caught.value.origin == ORIGIN
    assert str(caught.value).startswith(f"{ORIGIN}: ")
    return caught.value


def zipped(members: dict[str, bytes]) -> bytes:
    """Return a zip archive holding these members."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def changed(old: str, new: str, count: int = 1) -> bytes:
    """Return the county fixture with `old` replaced by `new`."""
    assert old.encode() in XML
    return XML.replace(old.encode(), new.encode(), count)
