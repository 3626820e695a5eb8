"""A previous-round feed: the previous round's files, in any supported format, read once
into each race's figures by race id (`[rules.previous_round]`). Pure but for the reading
of the files, which `read_files` does at start (the config's check reads them too)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.formats.errors import FeedError
from bot.formats.registry import parse
from bot.models import PreviousRound, Race, Snapshot
from bot.rounds import complete


def figures_of(race: Race) -> PreviousRound | None:
    """Return a previous round's race as the figures a race of this round compares with:
    its voters and registered voters as a whole, and each candidate's share, for a race
    whose count was complete (a partial one says nothing like for like)."""
    if race.turnout.voters is None or not complete(race):
        return None
    shares = tuple((c.id, c.share) for c in race.candidates if c.share is not None)
    return PreviousRound(
        voters=race.turnout.voters,
        registered=race.turnout.registered,
        same_places=False,
        shares=shares,
    )


def previous_rounds(snapshots: Iterable[Snapshot]) -> dict[str, PreviousRound]:
    """Return the previous round's figures by race id; a later file's race wins."""
    found: dict[str, PreviousRound] = {}
    for snap in snapshots:
        for race in snap.races:
            figures = figures_of(race)
            if figures is not None:
                found[race.id] = figures
    return found


def read_files(
    fmt: str, files: Iterable[Path], options: Mapping[str, Any]
) -> dict[str, PreviousRound]:
    """Read and parse a previous round's files; raise FeedError (or OSError) naming one."""
    received = datetime.now(UTC)  # dates a file that carries no time of its own
    snapshots = []
    for file in files:
        data = file.read_bytes()
        try:
            snapshots.append(parse(fmt, data, str(file), dict(options), received))
        except (ValueError, ArithmeticError) as exc:  # a reader's bug: the file is still wrong
            raise FeedError(str(file), "(document)", None, f"could not be read: {exc}") from exc
    return previous_rounds(snapshots)
