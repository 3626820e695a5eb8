"""The lead: an exact tie at the top, and the margin between the first two (in a race
electing several, between the last elected and the first not elected). Pure.

A margin is a fact like a candidate's level: the lead falling under it is told once
(`MarginNarrowed`, keyed by the margin); the lead rising back above it by the hysteresis
takes that back (`MarginWidened`), and falling under it again is the fact's next
generation, told once more (bot.events.admit).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.events import Event, LeaderChanged, LeadTied, MarginNarrowed, MarginWidened
from bot.models import Candidate, Race
from bot.rules import Rules

Key = Callable[..., str]
UNITS = ("points", "votes")


def pair(race: Race) -> tuple[Candidate, Candidate] | None:
    """Return the two whose gap is the race's lead: the first two, or the last elected and
    the first not elected; None when there are not that many candidates with a share."""
    ranked = [c for c in race.standings() if c.share is not None]
    seat = max(1, race.vote_for)
    if len(ranked) <= seat:
        return None
    return ranked[seat - 1], ranked[seat]


def lead(race: Race, unit: str) -> float | None:
    """Return the lead in points of share or in votes, None when it cannot be told."""
    found = pair(race) if race.has_results else None
    if found is None:
        return None
    first, second = found
    if unit == "points":
        return (first.share or 0.0) - (second.share or 0.0)
    if first.votes is None or second.votes is None:
        return None
    return float(first.votes - second.votes)


def tied(race: Race) -> tuple[Candidate, ...]:
    """Return the candidates level at the top (at the last seat), best placed first; empty
    when there is no exact tie there, or no results."""
    found = pair(race) if race.has_results else None
    if found is None or found[0].share != found[1].share:
        return ()
    return tuple(c for c in race.standings() if c.share == found[0].share)


def tie_events(before: Race, race: Race, rules: Rules, key: Key, at: datetime) -> list[Event]:
    """Return the tie the race comes to, when the rules ask for ties to be told."""
    now = tied(race)
    if not rules.ties or not now or tied(before):
        return []
    return [LeadTied(key=key("tie", at.isoformat()), race=race, at=at, tied=now)]


def out_of_tie(
    before: Race, race: Race, elected: list[Candidate], key: Key, at: datetime
) -> list[Event]:
    """Tell who comes out of a tie ahead (at the top, or into the last seat): A leads, A and
    B tie, B leads is a change of leader too, `previous` being the one it was level with."""
    level = tied(before)
    ids, now_in = {c.id for c in level}, {c.id for c in elected}
    came = next((c for c in reversed(elected) if c.id in ids), elected[-1])
    went = next((c for c in level if c.id != came.id and c.id not in now_in), None)
    if went is None:
        return []
    return [
        LeaderChanged(
            key=key("leader", came.id, at.isoformat()),
            race=race,
            at=at,
            leader=came,
            previous=went,
            after_tie=True,
        )
    ]


def _widen_at(unit: str, margin: float, rules: Rules) -> float:
    if unit == "points":
        return margin + rules.hysteresis
    return margin * (1.0 + rules.margin_votes_hysteresis)


def _margins(unit: str, rules: Rules) -> tuple[float, ...]:
    return tuple(map(float, rules.margins if unit == "points" else rules.margin_votes))


def held_margins(race: Race, rules: Rules, key: Key) -> list[str]:
    """Return the keys of the margins the race's lead is under now."""
    out = []
    for unit in UNITS:
        now = lead(race, unit)
        if now is not None:
            out += [key("margin", unit, m) for m in _margins(unit, rules) if now < m]
    return out


def margin_events(before: Race, race: Race, rules: Rules, key: Key, at: datetime) -> list[Event]:
    """Return the margins the lead fell under (the tightest told, standing for the others)
    and those it rose back above, beyond the hysteresis."""
    found = pair(race)
    events: list[Event] = []
    if found is None:
        return events
    first, second = found
    for unit in UNITS:
        was, now = lead(before, unit), lead(race, unit)
        if was is None or now is None:
            continue
        margins = _margins(unit, rules)
        under = sorted(m for m in margins if was >= m > now)
        if under:
            events.append(
                MarginNarrowed(
                    key=key("margin", unit, under[0]),
                    race=race,
                    at=at,
                    covers=tuple(key("margin", unit, m) for m in under[1:]),
                    margin=under[0],
                    unit=unit,
                    lead=now,
                    leader=first,
                    runner_up=second,
                )
            )
        events += [
            MarginWidened(
                key=key("margin", unit, m, "widened"),
                race=race,
                at=at,
                retracts=key("margin", unit, m),
                margin=m,
                unit=unit,
                lead=now,
                leader=first,
                runner_up=second,
            )
            for m in margins
            if was < _widen_at(unit, m, rules) <= now
        ]
    return events
