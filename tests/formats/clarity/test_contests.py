"""Contests as read: progress, voters, and every bad attribute named with its element."""

from __future__ import annotations

from typing import Any

import pytest

from tests.formats.clarity.support import (
    STATE_XML,
    XML,
    changed,
    read,
    reject,
)


def test_a_vote_for_two_contest_has_no_voters() -> None:
    council = read(XML).races[2]

    assert council.turnout.voters is None
    assert council.turnout.registered == 3250
    assert (council.units.counted, council.units.total) == (1, 2)
    assert [c.votes for c in council.candidates] == [410, 380, 300]


def test_state_contest_reporting_more_than_participating_is_rejected() -> None:
    data = STATE_XML.replace(b'precinctsParticipating="18"', b'precinctsParticipating="7"')

    err = reject(data)

    assert (err.field, err.value) == ("Contest[key=0100]@precinctsReported", 8)


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
