"""Builders for models and canonical feed documents used across the tests."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.models import Candidate, Race, Snapshot, Turnout, Units, with_computed_shares

PARIS_WINTER = timezone(timedelta(hours=1))
T0 = datetime(2017, 1, 29, 19, 30, tzinfo=PARIS_WINTER)


def at(minutes: int) -> datetime:
    """Return a data time `minutes` after 19:30 on the model night."""
    return T0 + timedelta(minutes=minutes)


def race(
    votes: dict[str, int] | None = None,
    *,
    shares: dict[str, float] | None = None,
    counted: int = 100,
    total: int | None = 1000,
    voters: int | None = None,
    registered: int | None = None,
    valid: int | None = None,
    final: bool = False,
    race_id: str = "national",
    name: str = "Primaire",
) -> Race:
    """Build a race from votes (shares computed) or published shares."""
    ids = list(votes or shares or {})
    cands = tuple(
        Candidate(
            id=cid,
            name=cid.capitalize(),
            votes=(votes or {}).get(cid),
            published_share=(shares or {}).get(cid),
        )
        for cid in ids
    )
    if voters is None and votes:
        voters = sum(votes.values())
    return with_computed_shares(
        Race(
            id=race_id,
            name=name,
            final=final,
            units=Units(counted=counted, total=total),
            turnout=Turnout(registered=registered, voters=voters, valid=valid),
            candidates=cands,
        )
    )


def snap(*races: Race, minutes: int = 0) -> Snapshot:
    """Wrap races in a snapshot at a data time."""
    return Snapshot(election="test", updated_at=at(minutes), races=races)


def feed_doc(
    minutes: int,
    votes: dict[str, int],
    *,
    counted: int,
    total: int = 1000,
    voters: int | None = None,
    final: bool = False,
    race_id: str = "national",
    name: str = "Primaire",
) -> dict[str, Any]:
    """Return a canonical JSON document as a dict."""
    return {
        "election": "test",
        "updated_at": at(minutes).isoformat(),
        "races": [
            {
                "id": race_id,
                "name": name,
                "final": final,
                "units": {"counted": counted, "total": total},
                "turnout": {"voters": voters if voters is not None else sum(votes.values())},
                "candidates": [
                    {"id": cid, "name": cid.capitalize(), "votes": n} for cid, n in votes.items()
                ],
            }
        ],
    }


def feed_bytes(*args: Any, **kwargs: Any) -> bytes:
    """Return a canonical JSON document as bytes."""
    return json.dumps(feed_doc(*args, **kwargs)).encode()
