"""One race from two sources: a version's races against the figures another source serves.
Pure: the pipeline reads the served figures from the store and hands them in.

The store serves a race's figures from the version with the newest data time, whichever
source it came from, the first one of a data time staying. A version no newer than what is
served changes nothing served, and its announcements about those races would tell the night
backwards (or twice): they are dropped. One as new with other figures is, besides, an
anomaly for the admin chats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.events import Event, SourcesDisagreed
from bot.models import Race, Snapshot


@dataclass(frozen=True, kw_only=True, slots=True)
class Served:
    """A race's figures as served, with their data time and source."""

    race: Race
    at: datetime
    source: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Rivalry:
    """What a version meets from other sources: races they serve as new or newer (this
    version's figures of them are not served), and the disagreements among those."""

    unserved: frozenset[str]
    disagreements: tuple[SourcesDisagreed, ...]

    def keep(self, events: Iterable[Event]) -> list[Event]:
        """Return the events still worth telling: none public about a race not served."""
        return [e for e in events if e.audience == "admin" or e.race.id not in self.unserved]


def compare(source: str, snap: Snapshot, served: Sequence[Served]) -> Rivalry:
    """Compare a source's version with what other sources serve of the same races."""
    held = {s.race.id: s for s in served if s.source != source}
    unserved: set[str] = set()
    disagreements: list[SourcesDisagreed] = []
    for race in snap.races:
        other = held.get(race.id)
        if other is None or other.at < snap.updated_at:
            continue
        unserved.add(race.id)
        if other.at == snap.updated_at and figures(other.race) != figures(race):
            disagreements.append(_disagreed(source, snap.updated_at, race, other))
    return Rivalry(unserved=frozenset(unserved), disagreements=tuple(disagreements))


def figures(race: Race) -> tuple[object, ...]:
    """Return what a race counts (not how it is named): two sources that agree give these."""
    return (
        race.final,
        race.units,
        race.turnout,
        tuple((c.id, c.votes, c.published_share) for c in race.candidates),
    )


def _disagreed(source: str, at: datetime, race: Race, other: Served) -> SourcesDisagreed:
    key = f"{race.id}:sources_disagree:{other.source}:{source}:{at.isoformat()}"
    return SourcesDisagreed(
        key=key, race=race, at=at, source=source, other=other.source, served=other.race
    )
