"""The store's codec: snapshots, races and messages round-trip through JSON unchanged."""

from __future__ import annotations

import json
from datetime import date

import msgspec

from bot.models import Candidate, PreviousRound, Race, Turnout, Units, replace
from bot.render.message import Image, Message
from bot.store.codec import (
    message_from_json,
    message_to_json,
    race_from_dict,
    race_from_json,
    race_to_dict,
    race_to_json,
    snapshot_from_json,
    snapshot_to_json,
)
from tests.builders import race, snap


def full_race() -> Race:
    """Return a race with every field set away from its default, accents included."""
    return replace(
        race({"amélie": 600, "bob": 400}, counted=7, total=9, registered=2000, valid=990),
        final=True,
        level="commune",
        code="056AR01",
        vote_for=2,
        is_question=True,
        units=Units(counted=7, total=9, kind="communes"),
        turnout=Turnout(registered=2000, voters=1000, valid=990, undervotes=12, overvotes=3),
        candidates=(
            Candidate(
                id="amélie",
                name="Amélie Œ",
                votes=600,
                share=60.6,
                published_share=60.0,
                party="NUP",
                votes_by_type=598,
            ),
            Candidate(id="bob", name="Bob", votes=None, share=None, published_share=39.4),
        ),
    )


def test_a_race_round_trips_through_a_dict_and_json() -> None:
    r = full_race()
    assert race_from_dict(race_to_dict(r)) == r
    assert race_from_json(race_to_json(r)) == r
    assert "Amélie Œ" in race_to_json(r)  # kept readable, not \\u-escaped


def test_a_race_stored_before_party_labels_reads_with_no_label() -> None:
    d = json.loads(race_to_json(full_race()))
    for c in d["candidates"]:
        del c["party"]
    back = race_from_dict(d)
    assert [c.party for c in back.candidates] == [None, None]
    assert back.candidates[0].name == "Amélie Œ"


def test_a_race_stored_before_seats_and_questions_reads_as_one_seat_and_no_question() -> None:
    d = json.loads(race_to_json(full_race()))
    for key in ("vote_for", "is_question"):
        del d[key]
    for key in ("undervotes", "overvotes"):
        del d["turnout"][key]
    for c in d["candidates"]:
        del c["votes_by_type"]
    back = race_from_dict(d)
    assert (back.vote_for, back.is_question) == (1, False)
    assert (back.turnout.undervotes, back.turnout.overvotes) == (None, None)
    assert [c.votes_by_type for c in back.candidates] == [None, None]


def test_a_snapshot_keeps_the_election_name_and_date_and_old_ones_read_without() -> None:
    s = replace(
        snap(full_race(), minutes=3),
        election_name='2014 "General" Election',
        election_date=date(2014, 11, 4),
    )
    text = snapshot_to_json(s)
    assert snapshot_from_json(text) == s
    old = snap(full_race(), minutes=3)
    assert "election_name" not in snapshot_to_json(old)  # unchanged for feeds without one
    back = snapshot_from_json(snapshot_to_json(old))
    assert (back.election_name, back.election_date) == (None, None)


def test_a_snapshot_round_trips_with_its_aware_time() -> None:
    s = snap(full_race(), race({"a": 1}, race_id="r2", name="Brest"), minutes=42)
    back = snapshot_from_json(snapshot_to_json(s))
    assert back == s
    assert back.updated_at.utcoffset() == s.updated_at.utcoffset()
    assert " " not in snapshot_to_json(snap(minutes=1))  # compact


def test_a_snapshot_is_written_and_read_a_race_at_a_time_as_one_json_document() -> None:
    # Written race by race (no call holds the GIL over a whole version), the text is what one
    # json.dumps of the snapshot gave, so stored baselines read back either way.
    s = snap(full_race(), race({"a": 1}, race_id="r2", name='Brest "races":['), minutes=42)
    s = replace(s, election='pr "races":[ 2027')
    text = snapshot_to_json(s)
    whole = {"election": s.election, "updated_at": s.updated_at.isoformat(),
             "races": [msgspec.to_builtins(r) for r in s.races]}  # fmt: skip
    assert text == json.dumps(whole, ensure_ascii=False, separators=(",", ":"))
    assert snapshot_from_json(text) == s


def test_an_empty_snapshot_round_trips() -> None:
    s = snap(minutes=0)
    assert snapshot_from_json(snapshot_to_json(s)) == s


def test_a_text_message_round_trips() -> None:
    m = Message(text="<b>Résultats</b> & co")
    assert message_from_json(message_to_json(m)) == m
    assert message_from_json(message_to_json(m)).blocks is None


def test_a_message_with_blocks_round_trips_as_a_tuple() -> None:
    blocks = (
        {"type": "header", "text": {"type": "plain_text", "text": "Primaire"}},
        {"type": "divider"},
    )
    m = Message(text="fallback", blocks=blocks)
    back = message_from_json(message_to_json(m))
    assert back == m
    assert isinstance(back.blocks, tuple)


def test_empty_blocks_stay_empty_not_none() -> None:
    m = Message(text="x", blocks=())
    assert message_from_json(message_to_json(m)).blocks == ()


def test_a_message_keeps_its_image_by_key_without_the_bytes() -> None:
    image = Image.of(b"\x89PNG...", "Results chart")
    m = Message(text="caption", image=image)
    raw = message_to_json(m)
    assert json.loads(raw)["image"] == {"key": image.key, "alt": "Results chart"}
    back = message_from_json(raw)
    assert back == m
    assert back.image is not None
    assert back.image.data is None  # the store keeps the bytes once, apart


def test_a_race_keeps_its_previous_round_and_its_figures_in_doubt() -> None:
    previous = PreviousRound(voters=900, registered=2000, shares=(("a", 55.5),))
    r = replace(race({"a": 6, "b": 4}), previous=previous, doubts=("shares",))

    assert race_from_json(race_to_json(r)) == r
    old = race_to_dict(race({"a": 6}))
    del old["previous"], old["doubts"]  # stored before issue 15
    back = race_from_dict(old)
    assert (back.previous, back.doubts) == (None, ())
