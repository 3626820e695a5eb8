"""The canonical JSON parser: good documents parse, bad ones name file, field and value."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.formats.canonical import MAX_CANDIDATES, parse
from bot.formats.errors import FeedError

ORIGIN = "feeds/national-2017.json"


def good_doc() -> dict[str, Any]:
    """Return a valid document exercising every field, plus some the parser must ignore."""
    return {
        "election": "primaire-2017-t2",
        "updated_at": "2017-01-29T21:05:00+01:00",
        "generator": {"name": "ministry-export", "version": 3},
        "races": [
            {
                "id": "national",
                "name": "Primaire, 2nd tour",
                "level": "national",
                "code": "FR",
                "final": False,
                "units": {"counted": 4100, "total": 7370},
                "turnout": {
                    "registered": None,
                    "voters": 1120180,
                    "blank": 8000,
                    "null": 4000,
                    "valid": 1108180,
                },
                "candidates": [
                    {"id": "hamon", "name": "Benoît Hamon", "votes": 650000, "share": 58.6},
                    {
                        "id": "valls",
                        "name": "Manuel Valls",
                        "votes": 458180,
                        "share": 41.4,
                        "party": "PS",
                    },
                ],
                "comment": "ignored",
            },
            {
                "id": "dep-01",
                "name": "Ain",
                "level": "department",
                "code": "01",
                "units": {"counted": 0},
                "candidates": [
                    {"id": "hamon", "name": "Benoît Hamon", "share": 55.5},
                    {"id": "valls", "name": "Manuel Valls", "share": 44.5},
                ],
            },
        ],
    }


def encode(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


# --- a good document ----------------------------------------------------------------------


def test_good_document_parses() -> None:
    snap = parse(encode(good_doc()), ORIGIN)

    assert snap.election == "primaire-2017-t2"
    assert [r.id for r in snap.races] == ["national", "dep-01"]
    national = snap.race("national")
    assert national is not None
    assert national.name == "Primaire, 2nd tour"
    assert national.level == "national"
    assert national.final is False
    assert national.units.counted == 4100
    assert national.units.total == 7370
    assert national.turnout.voters == 1120180
    assert national.turnout.registered is None
    assert national.turnout.valid == 1108180
    assert [c.id for c in national.candidates] == ["hamon", "valls"]
    assert national.candidates[0].name == "Benoît Hamon"


def test_counts_are_ints() -> None:
    national = parse(encode(good_doc()), ORIGIN).races[0]
    counts = [
        national.units.counted,
        national.units.total,
        national.turnout.voters,
        national.turnout.blank,
        national.turnout.null,
        national.turnout.valid,
        *(c.votes for c in national.candidates),
    ]
    assert all(type(n) is int for n in counts), counts


def test_shares_are_recomputed_from_votes_and_published_share_is_kept() -> None:
    national = parse(encode(good_doc()), ORIGIN).races[0]
    hamon, valls = national.candidates
    assert hamon.share == pytest.approx(100 * 650000 / 1108180)
    assert valls.share == pytest.approx(100 * 458180 / 1108180)
    # The feed's own (rounded, slightly off) figure is kept aside, not used as the share.
    assert hamon.published_share == 58.6
    assert valls.published_share == 41.4
    assert hamon.share != hamon.published_share


def test_published_share_is_used_when_there_are_no_votes() -> None:
    ain = parse(encode(good_doc()), ORIGIN).races[1]
    assert [c.votes for c in ain.candidates] == [None, None]
    assert [c.share for c in ain.candidates] == [55.5, 44.5]
    assert [c.published_share for c in ain.candidates] == [55.5, 44.5]
    assert ain.units.total is None
    assert ain.final is False


def test_updated_at_is_timezone_aware() -> None:
    snap = parse(encode(good_doc()), ORIGIN)
    assert snap.updated_at.tzinfo is not None
    assert snap.updated_at.utcoffset() == timedelta(hours=1)
    assert (snap.updated_at.hour, snap.updated_at.minute) == (21, 5)


def test_utc_designator_is_accepted() -> None:
    doc = good_doc()
    doc["updated_at"] = "2017-01-29T20:05:00Z"
    snap = parse(encode(doc), ORIGIN)
    assert snap.updated_at.utcoffset() == timedelta(0)


def test_codes_stay_strings() -> None:
    doc = good_doc()
    doc["races"][1]["code"] = "01"
    doc["races"][0]["code"] = 75
    snap = parse(encode(doc), ORIGIN)
    assert snap.races[1].code == "01"
    assert snap.races[0].code == "75"
    assert isinstance(snap.races[0].code, str)


def test_unknown_fields_are_ignored() -> None:
    plain = good_doc()
    del plain["generator"]
    del plain["races"][0]["comment"]
    del plain["races"][0]["candidates"][1]["party"]
    assert parse(encode(good_doc()), ORIGIN) == parse(encode(plain), ORIGIN)


def test_missing_optional_fields_default() -> None:
    doc = {
        "election": "e",
        "updated_at": "2017-01-29T20:00:00+01:00",
        "races": [{"id": "r", "name": "R", "units": {"counted": 3}, "candidates": []}],
    }
    race = parse(encode(doc), ORIGIN).races[0]
    assert race.level == "national"
    assert race.code is None
    assert race.final is False
    assert race.turnout.voters is None
    assert race.candidates == ()


# --- bad documents ------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """Return a mutation setting a dotted path ("races.0.units.counted") to value."""

    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _del(path: str) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]

    return mutate


def _too_many_candidates(doc: dict[str, Any]) -> None:
    doc["races"][0]["candidates"] = [
        {"id": f"c{i}", "name": f"Candidate {i}", "votes": 1} for i in range(MAX_CANDIDATES + 1)
    ]


def _duplicate_candidate(doc: dict[str, Any]) -> None:
    doc["races"][0]["candidates"][1]["id"] = "hamon"


def _duplicate_race(doc: dict[str, Any]) -> None:
    doc["races"][1]["id"] = "national"


BAD_DOCS: list[Any] = [
    pytest.param(_del("election"), "election", "None", id="missing-election"),
    pytest.param(_del("updated_at"), "updated_at", "None", id="missing-updated_at"),
    pytest.param(_del("races"), "races", "None", id="missing-races"),
    pytest.param(_set("races", []), "races", "[]", id="empty-races"),
    pytest.param(_del("races.0.units"), "races[0].units", "None", id="missing-units"),
    pytest.param(
        _del("races.0.units.counted"), "races[0].units.counted", "None", id="missing-counted"
    ),
    pytest.param(
        _del("races.0.candidates.1.id"), "races[0].candidates[1].id", "None", id="missing-cand-id"
    ),
    pytest.param(
        _set("races.0.candidates.1.votes", "458180"),
        "races[0].candidates[1].votes",
        "'458180'",
        id="string-votes",
    ),
    pytest.param(
        _set("races.0.candidates.1.votes", True),
        "races[0].candidates[1].votes",
        "True",
        id="bool-votes",
    ),
    pytest.param(
        _set("races.0.units.counted", 4100.5),
        "races[0].units.counted",
        "4100.5",
        id="float-counted",
    ),
    pytest.param(
        _set("races.0.units.counted", 4100.0), "races[0].units.counted", "4100.0", id="float-whole"
    ),
    pytest.param(
        _set("races.0.candidates.0.votes", -1),
        "races[0].candidates[0].votes",
        "-1",
        id="negative-votes",
    ),
    pytest.param(
        _set("races.0.turnout.voters", -20), "races[0].turnout.voters", "-20", id="negative-voters"
    ),
    pytest.param(
        _set("races.0.units.total", -1), "races[0].units.total", "-1", id="negative-total"
    ),
    pytest.param(
        _set("races.0.units.counted", 7371),
        "races[0].units.counted",
        "7371",
        id="counted-over-total",
    ),
    pytest.param(
        _set("updated_at", "2017-01-29T21:05:00"),
        "updated_at",
        "'2017-01-29T21:05:00'",
        id="naive-datetime",
    ),
    pytest.param(
        _set("updated_at", "tonight at nine"), "updated_at", "'tonight at nine'", id="bad-datetime"
    ),
    pytest.param(_set("updated_at", 1485720300), "updated_at", "1485720300", id="epoch-datetime"),
    pytest.param(
        _set("races.0.candidates.0.share", 100.5),
        "races[0].candidates[0].share",
        "100.5",
        id="share-over-100",
    ),
    pytest.param(
        _set("races.0.candidates.0.share", -0.5),
        "races[0].candidates[0].share",
        "-0.5",
        id="negative-share",
    ),
    pytest.param(_set("races.0.final", "yes"), "races[0].final", "'yes'", id="string-final"),
    pytest.param(
        _duplicate_candidate, "races[0].candidates[].id", "'hamon', 'hamon'", id="dup-candidate"
    ),
    pytest.param(_duplicate_race, "races[].id", "'national', 'national'", id="dup-race"),
    pytest.param(
        _too_many_candidates,
        "races[0].candidates",
        f"{MAX_CANDIDATES + 1} items",
        id="too-many-candidates",
    ),
    pytest.param(
        _set("races.0.candidates.1.name", "x" * 10_000_000),
        "races[0].candidates[1].name",
        "'xxxxxxxx",
        id="10MB-name",
    ),
    pytest.param(
        _set("races.0.candidates.1.name", "   "),
        "races[0].candidates[1].name",
        "'   '",
        id="blank-name",
    ),
    pytest.param(_set("races.1", "dep-01"), "races[1]", "'dep-01'", id="race-not-object"),
]


@pytest.mark.parametrize(("mutate", "field", "value"), BAD_DOCS)
def test_bad_document_raises_feed_error_naming_origin_field_and_value(
    mutate: Mutation, field: str, value: str
) -> None:
    doc = copy.deepcopy(good_doc())
    mutate(doc)
    with pytest.raises(FeedError) as info:
        parse(encode(doc), ORIGIN)
    err = info.value
    message = str(err)
    assert message.startswith(f"{ORIGIN}: {field} = "), message
    assert value in message, message
    assert err.origin == ORIGIN
    assert err.field == field
    assert err.reason
    assert err.reason in message
    # The message stays short enough for a log line, whatever the value's size.
    assert len(message) < 300


def test_invalid_json_names_origin_and_position() -> None:
    with pytest.raises(FeedError) as info:
        parse(b'{"election": "e",\n "races": [1, 2,,]}', ORIGIN)
    message = str(info.value)
    assert message.startswith(f"{ORIGIN}: (line 2 col "), message
    assert "invalid JSON" in message
    assert "Expecting value" in message


def test_truncated_json_is_rejected() -> None:
    raw = encode(good_doc())
    with pytest.raises(FeedError, match="invalid JSON") as info:
        parse(raw[: len(raw) // 2], ORIGIN)
    assert str(info.value).startswith(f"{ORIGIN}: ")


def test_not_utf8_names_origin_and_bytes() -> None:
    raw = encode(good_doc()).replace("Benoît".encode(), "Benoît".encode("latin-1"))
    with pytest.raises(FeedError) as info:
        parse(raw, ORIGIN)
    message = str(info.value)
    assert message.startswith(f"{ORIGIN}: (document) = b'"), message
    assert "\\xeet Ha" in message
    assert "not UTF-8" in message


def test_document_that_is_not_an_object() -> None:
    with pytest.raises(FeedError) as info:
        parse(b'["national"]', ORIGIN)
    assert str(info.value) == f"{ORIGIN}: (document) = ['national']: expected an object"


def test_deeply_nested_json_is_a_feed_error() -> None:
    # A hostile or broken feed must be rejected like any other bad version, not crash the poll.
    raw = b'{"election": "e", "x": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    with pytest.raises(FeedError) as info:
        parse(raw, ORIGIN)
    assert str(info.value).startswith(f"{ORIGIN}: ")


def test_default_origin_is_named() -> None:
    with pytest.raises(FeedError, match=r"^<feed>: election = None: missing required field$"):
        parse(b"{}")


def test_what_the_typed_decoder_refuses_and_the_reader_accepts_is_read_as_before() -> None:
    # msgspec's types are stricter than the field-by-field reader in a few places: the
    # reader then reads the document, so that nothing it accepted is now refused.
    doc = good_doc()
    doc["races"][0]["turnout"] = []  # empty: no turnout, as null or absent
    doc["races"][0]["code"] = 75  # a number: its string
    doc["races"][0]["level"] = None
    race = parse(json.dumps(doc).encode(), ORIGIN).races[0]
    assert (race.turnout.voters, race.code, race.level) == (None, "75", "national")


def test_fields_of_other_formats_in_a_candidate_are_ignored() -> None:
    doc = good_doc()
    doc["races"][0]["candidates"][0] |= {"party": "PS", "votes_by_type": 3, "published_share": 9}
    plain = parse(json.dumps(good_doc()).encode(), ORIGIN)
    assert parse(json.dumps(doc).encode(), ORIGIN) == plain


def test_the_same_candidate_in_every_race_shares_its_strings() -> None:
    # 350,000 candidates of 35,000 communes: their ids and names, read once each.
    first, second = parse(encode(good_doc()), ORIGIN).races
    assert first.candidates[0].name is second.candidates[0].name
    assert first.candidates[0].id is second.candidates[0].id
