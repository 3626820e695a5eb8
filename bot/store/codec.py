"""Round-trip snapshots, races and messages through JSON for the store. Pure."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from bot.models import Candidate, PreviousRound, Race, Snapshot, Turnout, Units
from bot.render.message import Image, Message


def race_to_dict(race: Race) -> dict[str, Any]:
    """Return a JSON-ready dict of a race: what `dataclasses.asdict` gives, built directly
    (asdict copies deeply, field by field: most of the 7 s a 12,000-race version took)."""
    d = _fields(race)
    d["units"], d["turnout"] = _fields(race.units), _fields(race.turnout)
    d["candidates"] = tuple(_fields(c) for c in race.candidates)
    d["previous"] = _fields(race.previous) if race.previous is not None else None
    return d


def _fields(record: Any) -> dict[str, Any]:
    """Return a record's fields by name, in their order, values as they are."""
    return {name: getattr(record, name) for name in record.__struct_fields__}


def race_from_dict(d: dict[str, Any]) -> Race:
    """Rebuild a race from `race_to_dict` output."""
    return Race(
        id=d["id"],
        name=d["name"],
        final=d["final"],
        level=d["level"],
        code=d["code"],
        # Races stored before these fields read as one seat, not a question.
        vote_for=d.get("vote_for", 1),
        is_question=d.get("is_question", False),
        dated=d.get("dated", True),  # races stored before it: their time was a data time
        summed=d.get("summed", False),  # races stored before it: their own level's figures
        units=Units(**d["units"]),
        turnout=Turnout(**d["turnout"]),
        candidates=tuple(Candidate(**c) for c in d["candidates"]),
        previous=_previous(d.get("previous")),  # races stored before it: none known
        doubts=tuple(d.get("doubts", ())),
    )


def _previous(d: dict[str, Any] | None) -> PreviousRound | None:
    if d is None:
        return None
    shares = tuple((cid, float(share)) for cid, share in d.get("shares", ()))
    return PreviousRound(**{**d, "shares": shares})


_COMPACT = (",", ":")
_RACES = '"races":['  # where a snapshot's races start; a string's quotes are escaped


def race_to_json(race: Race) -> str:
    """Serialise a race to JSON (the figures a race's row serves)."""
    return json.dumps(race_to_dict(race), ensure_ascii=False)


def race_from_json(text: str) -> Race:
    """Rebuild a race from `race_to_json` output."""
    return race_from_dict(json.loads(text))


def snapshot_to_json(snap: Snapshot) -> str:
    """Serialise a snapshot to compact JSON, a race at a time: one call over a whole
    version held the GIL half a second, and the loop waited that long (the same text)."""
    day = snap.election_date.isoformat() if snap.election_date else None
    fields = {"election": snap.election, "updated_at": snap.updated_at.isoformat()}
    named = {"election_name": snap.election_name, "election_date": day}
    head = json.dumps(
        {**fields, **{k: v for k, v in named.items() if v is not None}, "races": []},
        ensure_ascii=False,
        separators=_COMPACT,
    )
    races = ",".join(
        json.dumps(race_to_dict(r), ensure_ascii=False, separators=_COMPACT) for r in snap.races
    )
    return f"{head[:-2]}{races}]}}"


def snapshot_from_json(text: str) -> Snapshot:
    """Rebuild a snapshot from `snapshot_to_json` output, a race at a time (as it is
    written: decoding a whole baseline in one call held the GIL half a second)."""
    start = text.find(_RACES) + len(_RACES)
    head = json.loads(text[:start] + "]}")
    decoder, races, at = json.JSONDecoder(), [], start
    while text[at] != "]":
        race, at = decoder.raw_decode(text, at)
        races.append(race_from_dict(race))
        if text[at] == ",":
            at += 1
    day = head.get("election_date")  # absent from snapshots stored before it was read
    return Snapshot(
        election=head["election"],
        updated_at=datetime.fromisoformat(head["updated_at"]),
        races=tuple(races),
        election_name=head.get("election_name"),
        election_date=date.fromisoformat(day) if day else None,
    )


def message_to_json(message: Message) -> str:
    """Serialise a message for the outbox (an image by its key: the bytes stay in the store)."""
    d: dict[str, Any] = {"text": message.text, "blocks": message.blocks}
    if message.image is not None:
        d["image"] = {"key": message.image.key, "alt": message.image.alt}
    return json.dumps(d, ensure_ascii=False)


def message_from_json(raw: str) -> Message:
    """Rebuild a message from `message_to_json` output."""
    d = json.loads(raw)
    blocks, image = d.get("blocks"), d.get("image")
    return Message(
        text=d["text"],
        blocks=tuple(blocks) if blocks is not None else None,
        image=Image(key=image["key"], alt=image["alt"]) if image else None,
    )
