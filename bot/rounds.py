"""The previous round, like for like: turnout compared with it, and each candidate's change
in points. Pure: the race and the rules in, the comparison out.

Before a count is complete, a partial count is never compared with a finished round:
- **same places** when the previous round's figures are known for the places counted now
  (the Ministry files hold both rounds per commune: a commune, or the communes received
  summed);
- **pro rata** when only the previous round's total is known: voters over the share of units
  counted, an estimate, against that total;
- **totals** once the count is complete (or the feed says it is final).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.events import Event, TurnoutCompared, TurnoutTrendChanged
from bot.models import PreviousRound, Race, Snapshot, replace
from bot.rules import Rules

PRO_RATA_UNITS = ("stations", "communes", "precincts", "counties", "percent")


def previous_of(race: Race, total: int | None) -> PreviousRound | None:
    """Return the previous round known for a race: the feed's own (or a previous-round
    feed's, attached to it), else the configured total of its voters."""
    if race.previous is not None and race.previous.voters:
        return race.previous
    return None if total is None else PreviousRound(voters=total, same_places=False)


def attached(snap: Snapshot, rules: Rules) -> Snapshot:
    """Return the version with a previous-round feed's figures attached to its races that
    carry none of their own (matched by race id)."""
    known = rules.previous_rounds
    if not known or not any(r.id in known for r in snap.races):
        return snap
    races = tuple(
        replace(r, previous=known[r.id]) if r.previous is None and r.id in known else r
        for r in snap.races
    )
    return replace(snap, races=races)


def complete(race: Race) -> bool:
    """Return True when the race's count is complete: final, or every unit in."""
    total = race.units.total
    return race.final or (total is not None and total > 0 and race.units.counted >= total)


def compared(race: Race, total: int | None) -> TurnoutCompared | None:
    """Return the race's turnout against the previous round, like for like, or None when
    no comparison would mean anything (no voters, nothing known of the previous round, a
    partial count of unknown progress). `total`: the previous round's voters configured
    for the race, if any."""
    voters = race.turnout.voters
    prev = previous_of(race, total)
    if voters is None or prev is None or not prev.voters:
        return None
    points = _points(voters, race.turnout.registered, prev)
    if complete(race):
        return TurnoutCompared(method="totals", voters=voters, previous=prev.voters, points=points)
    if prev.same_places:
        return TurnoutCompared(
            method="same_places", voters=voters, previous=prev.voters, points=points
        )
    counted = race.units.pct if race.units.kind in PRO_RATA_UNITS else None
    if not counted:
        return None
    return TurnoutCompared(method="pro_rata", voters=voters * 100.0 / counted, previous=prev.voters)


def _points(voters: int, registered: int | None, prev: PreviousRound) -> float | None:
    """Return the change in participation, in points, when both rounds give registered
    voters for the same places (a whole race's total says nothing of the places counted)."""
    if not registered or not prev.registered or prev.voters is None:
        return None
    return 100.0 * voters / registered - 100.0 * prev.voters / prev.registered


def trend(race: Race, rules: Rules) -> tuple[str, TurnoutCompared] | None:
    """Return "up" or "down" with the comparison, when turnout compared like for like moves
    by more than the rules' margin (points of participation if known, else % of voters);
    a pro rata estimate counts only once enough units are in (`trend_min_counted`)."""
    found = compared(race, rules.previous_round(race.id))
    if found is None:
        return None
    if found.method == "pro_rata" and (race.units.pct or 0.0) < rules.trend_min_counted:
        return None
    if found.points is not None:
        delta, margin = found.points, rules.trend_points
    else:
        delta, margin = found.change, rules.trend_percent
    if delta > margin:
        return "up", found
    if delta < -margin:
        return "down", found
    return None


def trend_events(
    before: Race | None, race: Race, rules: Rules, key: Callable[..., str], at: datetime
) -> list[Event]:
    """Tell turnout going up (or down) on the previous round, like for like, when it starts
    to; a reversal retracts the other direction (bot.events.admit)."""
    now = trend(race, rules)
    if now is None:
        return []
    was = trend(before, rules) if before is not None else None
    direction, found = now
    if was is not None and was[0] == direction:
        return []
    other = "down" if direction == "up" else "up"
    return [
        TurnoutTrendChanged(
            key=key("turnout_trend", direction),
            race=race,
            at=at,
            retracts=key("turnout_trend", other),
            direction=direction,
            compared=found,
        )
    ]


def share_changes(race: Race) -> dict[str, float]:
    """Return each candidate's change in points since the previous round, by id, where the
    previous round's shares are known for the same places as now (those counted, or the
    whole race once its count is complete)."""
    prev = race.previous
    if prev is None or not prev.shares or not (prev.same_places or complete(race)):
        return {}
    before = dict(prev.shares)
    return {
        c.id: c.share - before[c.id]
        for c in race.candidates
        if c.share is not None and c.id in before
    }
