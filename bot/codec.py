"""Round-trip snapshots and races through JSON for the store. Pure."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.models import Candidate, Race, Snapshot, Turnout, Units


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
