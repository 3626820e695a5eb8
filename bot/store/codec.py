"""Round-trip snapshots, races and messages through JSON for the store. Pure."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.models import Candidate, Race, Snapshot, Turnout, Units
from bot.render.message import Image, Message


def race_to_dict(race: Race) -> dict[str, Any]:
    """Return a JSON-ready dict of a race."""
    return asdict(race)


def race_from_dict(d: dict[str, Any]) -> Race:
    """Rebuild a race from `race_to_dict` output."""
    return Race(
        id=d["id"],
        name=d["name"],
        final=d["final"],
        level=d["level"],
        code=d["code"],
        units=Units(**d["units"]),
        turnout=Turnout(**d["turnout"]),
        candidates=tuple(Candidate(**c) for c in d["candidates"]),
    )


def race_to_json(race: Race) -> str:
    """Serialise a race to JSON (the figures a race's row serves)."""
    return json.dumps(race_to_dict(race), ensure_ascii=False)


def race_from_json(text: str) -> Race:
    """Rebuild a race from `race_to_json` output."""
    return race_from_dict(json.loads(text))


def snapshot_to_json(snap: Snapshot) -> str:
    """Serialise a snapshot to compact JSON."""
    return json.dumps(
        {
            "election": snap.election,
            "updated_at": snap.updated_at.isoformat(),
            "races": [race_to_dict(r) for r in snap.races],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def snapshot_from_json(text: str) -> Snapshot:
    """Rebuild a snapshot from `snapshot_to_json` output."""
    d = json.loads(text)
    return Snapshot(
        election=d["election"],
        updated_at=datetime.fromisoformat(d["updated_at"]),
        races=tuple(race_from_dict(r) for r in d["races"]),
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
