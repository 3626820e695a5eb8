"""One race from two levels: a place's own figures against the sum of its parts. Pure: the
pipeline reads what is known of the races (its baseline, the races served) and hands it in.

A département's race may come from its own file (`013.xml`, the figures published for the
département: `Race.summed` False) or be summed from its communes (`013com.xml`: True). Its
one source of truth is chosen once: its own level's figures as soon as a version brings
them with results, the sum of its parts until then. So:

- a summed version of a race whose own figures are known is a cross-check only: it is not
  served, diffed or announced;
- the version that brings a race's own figures after its sum was told switches it, once:
  nothing of that race is announced from it (what the sum told stands, never "corrected")
  but its being final, if it now is, and its own figures are served from then on;
- a version of its own level without results (a file that carries less) changes nothing
  of a race told from its sum;
- when both levels have results and differ, the admin chats get one anomaly (check
  "levels") per pair of figures, however often the files are read again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.events import AnomalyDetected, Event, ResultDeclaredFinal
from bot.models import Race, Snapshot, replace


@dataclass(frozen=True, kw_only=True, slots=True)
class Levels:
    """What a version meets from the other level of its races."""

    set_aside: frozenset[str]  # races of this version that are not their race's truth
    switched: frozenset[str]  # races whose truth becomes their own figures with this version
    anomalies: tuple[AnomalyDetected, ...]

    def kept(self, snap: Snapshot) -> Snapshot:
        """Return the version without the races it does not hold the truth of."""
        if not self.set_aside:
            return snap
        return replace(snap, races=tuple(r for r in snap.races if r.id not in self.set_aside))

    def keep(self, events: Iterable[Event]) -> list[Event]:
        """Return the events still worth telling: of a race switched, only its final (its
        own file or index says so) and what is for the admin chats."""
        return [
            e
            for e in events
            if e.audience == "admin"
            or e.race.id not in self.switched
            or isinstance(e, ResultDeclaredFinal)
        ]


def candidates(snap: Snapshot, baseline: Snapshot | None, level: str = "commune") -> list[str]:
    """Return the ids of the races whose served figures the comparison needs: the summed
    ones, and those of their own level that this source has not held before (another
    source may have told their sum). Races of `level` (communes) are never summed."""
    upper = [r for r in snap.races if r.summed or r.level != level]  # few: not communes
    wanted = {r.id for r in upper}
    held = {r.id for r in baseline.races if r.id in wanted} if baseline and wanted else set()
    return [r.id for r in upper if r.summed or r.id not in held]


def known_of(
    snap: Snapshot, baseline: Snapshot | None, served: Iterable[Race]
) -> dict[str, list[Race]]:
    """Return what is known of the version's races that may meet their other level: this
    source's baseline races that are summed or whose version is, and those served from
    other sources."""
    summed_now = {r.id for r in snap.races if r.summed}
    known: dict[str, list[Race]] = {}
    for race in baseline.races if baseline else ():
        if race.summed or race.id in summed_now:
            known.setdefault(race.id, []).append(race)
    for race in served:
        known.setdefault(race.id, []).append(race)
    return known


def measured(snap: Snapshot, baseline: Snapshot | None, served: Iterable[Race]) -> Levels:
    """Return how a version's races stand against their other level, as known from this
    source's baseline and the races served from other sources."""
    return compare(snap, known_of(snap, baseline, served))


def compare(snap: Snapshot, known: Mapping[str, Iterable[Race]]) -> Levels:
    """Compare a version's races with what is known of them (this source's baseline, the
    races served from other sources): which are set aside, switched, and the anomalies."""
    set_aside: set[str] = set()
    switched: set[str] = set()
    anomalies: list[AnomalyDetected] = []
    for race in snap.races:
        if not race.summed and race.id not in known:
            continue  # the usual case, a commune: nothing known of another level
        told = [r for r in known.get(race.id, ()) if r.has_results]
        own = next((r for r in told if not r.summed), None)
        summed = next((r for r in told if r.summed), None)
        if race.summed and own is not None:
            set_aside.add(race.id)
            pair = (own, race)
        elif not race.summed and own is None and summed is not None:
            if not race.has_results:
                set_aside.add(race.id)  # its own file carries less: the sum stands
                continue
            switched.add(race.id)
            pair = (race, summed)
        else:
            continue
        if pair[1].has_results and _figures(pair[0]) != _figures(pair[1]):
            anomalies.append(_disagreed(*pair, at=snap.updated_at))
    return Levels(
        set_aside=frozenset(set_aside), switched=frozenset(switched), anomalies=tuple(anomalies)
    )


def _figures(race: Race) -> tuple[object, ...]:
    """Return what two levels that agree both give: turnout and votes (not progress, which
    a place's own file may not publish)."""
    return race.turnout, tuple(sorted((c.id, c.votes) for c in race.candidates))


def _disagreed(own: Race, summed: Race, at: datetime) -> AnomalyDetected:
    """Return the anomaly of a place whose own figures and sum differ, keyed by both."""
    digest = hashlib.sha256(repr((_figures(own), _figures(summed))).encode()).hexdigest()[:16]
    detail = (
        ("registered", own.turnout.registered),
        ("registered_parts", summed.turnout.registered),
        ("voters", own.turnout.voters),
        ("voters_parts", summed.turnout.voters),
    )
    return AnomalyDetected(
        key=f"{own.id}:anomaly:levels:{digest}",
        race=summed,
        at=at,
        check="levels",
        detail=tuple((name, float(value or 0)) for name, value in detail),
    )
