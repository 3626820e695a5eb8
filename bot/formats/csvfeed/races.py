"""Summing a race's units into a Race: stations counted, turnout, the candidates' votes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bot.formats.csvfeed.options import TURNOUT, UNIT_COUNTS, Spec
from bot.formats.csvfeed.units import RaceRows, Unit
from bot.formats.errors import FeedError
from bot.models import Candidate, Race, Turnout, Units, with_computed_shares

MAX_CANDIDATES = 1_000


def build_race(rows: RaceRows, spec: Spec, origin: str, dated: bool = True) -> Race:
    """Return a race from its units, summing those with results (or every pre-aggregated row);
    `dated` is False when the file gave no data time (it was received at the fetch time)."""
    units = list(rows.units.values())
    given = units[0].values.keys()
    pre_aggregated = "units_counted" in given
    adding = units if pre_aggregated else [u for u in units if u.has_results]
    counted = _sum(u.values.get("units_counted") for u in units) or 0
    if not pre_aggregated:
        counted = len(adding)
    total = _sum(u.values.get("units_total") for u in units)
    if total is None and not pre_aggregated:
        total = len(units)
    if total is not None and counted > total:
        raise FeedError(
            origin,
            f"race {rows.id!r} (line {rows.line})",
            counted,
            f"more units counted than {total}",
        )
    turnout = Turnout(**{f: _sum(u.values.get(f) for u in adding) for f in TURNOUT})
    # A blocks row is a place (a constituency, a département) that is in or not: it has no
    # progress of its own to tell; rows summed into a race are its polling stations.
    place = spec.layout == "blocks" and len(units) == 1 and not given & {*UNIT_COUNTS}
    race = Race(
        id=rows.id,
        name=rows.name,
        units=Units(counted=counted, total=total, kind="none" if place else "stations"),
        turnout=turnout,
        candidates=_candidates(rows, units, adding, origin),
        level=spec.level,
        code=rows.code,
        dated=dated,
    )
    return with_computed_shares(race)


def _sum(values: Iterable[Any]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _candidates(
    rows: RaceRows, units: Sequence[Unit], adding: Sequence[Unit], origin: str
) -> tuple[Candidate, ...]:
    order: dict[str, str] = {}
    parties: dict[str, str] = {}
    for unit in units:
        for e in unit.entries.values():
            order.setdefault(e.id, e.name)
            if e.party:
                parties.setdefault(e.id, e.party)
    if len(order) > MAX_CANDIDATES:
        raise FeedError(origin, f"race {rows.id!r}", f"{len(order)} candidates", "too many")
    single = len(adding) == 1
    # A candidate absent from every counted unit has 0 votes there, once anybody has votes.
    absent = 0 if any(e.votes is not None for u in adding for e in u.entries.values()) else None
    out = []
    for cid, name in order.items():
        found = [u.entries[cid] for u in adding if cid in u.entries]
        out.append(
            Candidate(
                id=cid,
                name=name,
                votes=_sum(e.votes for e in found) if found else absent,
                published_share=found[0].share if single and found else None,
                party=parties.get(cid),
            )
        )
    return tuple(out)
