"""The diff: two snapshots and the rules in, events out. Pure: no clock, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import lead, rounds
from bot.checks import find_anomalies, held_back, taints
from bot.events import (
    AnomalyDetected,
    CandidateThresholdCrossed,
    CaughtUp,
    Change,
    Event,
    FirstResultsReported,
    LeaderChanged,
    ReportingThresholdCrossed,
    ResultCorrected,
    ResultDeclaredFinal,
    TurnoutThresholdCrossed,
)
from bot.models import Candidate, Race, Snapshot, replace
from bot.rules import Rules


@dataclass(frozen=True, kw_only=True, slots=True)
class _Ctx:
    race: Race
    at: datetime
    rules: Rules

    @property
    def stamp(self) -> str:
        return self.at.isoformat()

    def key(self, *parts: object) -> str:
        return ":".join([self.race.id, *(_fmt_part(p) for p in parts)])


def _fmt_part(part: object) -> str:
    return f"{part:g}" if isinstance(part, float) else str(part)


def diff(prev: Snapshot | None, curr: Snapshot, rules: Rules, now: datetime) -> list[Event]:
    """Return the events that `curr` brings over `prev` (the last good state), in order.

    `now` is accepted so callers pass the time explicitly; events carry the data time only.
    """
    del now  # the events are facts about the data; the time they were seen is the store's
    events: list[Event] = []
    previous = {r.id: r for r in prev.races} if prev else {}  # one lookup per race, not a scan
    for race in curr.races:
        events.extend(diff_race(previous.get(race.id), race, rules, curr.updated_at))
    return events


def diff_race(before: Race | None, race: Race, rules: Rules, at: datetime) -> list[Event]:
    """Return the events for one race. When its figures don't add up: the anomalies, and
    the events of the figures no check put in doubt (those in doubt are held back)."""
    ctx = _Ctx(race=race, at=at, rules=rules)
    findings = find_anomalies(before, race, rules)
    if not findings:
        return _events(before, ctx)
    anomalies: list[Event] = [
        AnomalyDetected(
            key=ctx.key("anomaly", check, ctx.stamp),
            race=race,
            at=at,
            check=check,
            detail=tuple((k, float(v)) for k, v in detail),
            taints=taints(check),
        )
        for check, detail in findings
    ]
    held = held_back(before, race, (t for check, _ in findings for t in taints(check)))
    return [*anomalies, *_events(before, _Ctx(race=held, at=at, rules=rules))]


def _events(before: Race | None, ctx: _Ctx) -> list[Event]:
    race = ctx.race
    if before is None:
        return _opening(ctx) if race.has_results else _turnout(None, ctx)
    if not race.has_results:
        # Participation is often out before any vote is counted: tell its milestones.
        return [*_corrections(before, ctx), *_turnout(before, ctx)]
    if not before.has_results:
        return _arrival(before, ctx)
    return [
        *_corrections(before, ctx),
        *_reporting(before, ctx),
        *_candidates(before, ctx),
        *_leader(before, ctx),
        *lead.tie_events(before, race, ctx.rules, ctx.key, ctx.at),
        *lead.margin_events(before, race, ctx.rules, ctx.key, ctx.at),
        *_turnout(before, ctx),
    ]


def advance(baseline: Snapshot | None, curr: Snapshot, events: list[Event]) -> Snapshot:
    """Return the new baseline: `curr`'s races over the previous baseline's races, each
    with its figures in doubt held back (the last good ones stand in for them)."""
    races = {r.id: r for r in (baseline.races if baseline else ())}
    # The flagged races gathered once: looking through every event for each race took a
    # 35,000-race version 101 s to advance (0.015 s so).
    doubts: dict[str, set[str]] = {}
    for e in events:
        if isinstance(e, AnomalyDetected):
            doubts.setdefault(e.race.id, set()).update(e.taints)
    for race in curr.races:
        doubted = doubts.get(race.id)
        races[race.id] = held_back(races.get(race.id), race, doubted) if doubted else race
    return replace(curr, races=tuple(races.values()))


def served(curr: Snapshot, baseline: Snapshot) -> Snapshot:
    """Return the version as it is served: its races as `advance` left them in `baseline`
    (with their figures in doubt held back)."""
    races = {r.id: r for r in baseline.races}
    return replace(curr, races=tuple(races.get(r.id, r) for r in curr.races))


def _reporting_steps(ctx: _Ctx, low: float, high: float) -> list[int]:
    return [s for s in ctx.rules.reporting_steps if low < s <= high]


def _counted_whole(race: Race) -> bool:
    """Return True when every unit of the race is in (by count, whatever the feed says)."""
    total = race.units.total
    return total is not None and total > 0 and race.units.counted >= total


def _newly_final(before: Race, race: Race) -> bool:
    """Return True when a race followed with figures becomes final: the feed (or its index)
    says so now, or its last units came in. A race already complete was told so (final),
    or came in whole and had its one message (`_whole`): no final besides."""
    if before.final or _counted_whole(before):
        return False
    return race.final or _counted_whole(race)


def _held(ctx: _Ctx) -> tuple[list[str], list[str]]:
    """Return (progress keys, candidate keys) of thresholds that hold for the race now."""
    race = ctx.race
    progress = [ctx.key("reporting", s) for s in _reporting_steps(ctx, -1.0, race.units.pct or 0)]
    progress += [e.key for e in _turnout_crossings(ctx, None)]
    trend = rounds.trend(race, ctx.rules)
    progress += [ctx.key("turnout_trend", trend[0])] if trend else []
    cands = [
        ctx.key("candidate", c.id, float(level))
        for c in race.candidates
        for level in ctx.rules.candidate_levels
        if c.share is not None and c.share >= level
    ]
    return progress, cands + lead.held_margins(race, ctx.rules, ctx.key)


def _opening(ctx: _Ctx) -> list[Event]:
    if _counted_whole(ctx.race) and not ctx.race.final:
        return [_whole(ctx)]
    progress, cands = _held(ctx)
    first = ctx.key("first_results")
    final = [ctx.key("final")] if ctx.race.final else []
    if progress or final:
        covers = (first, *progress, *cands, *final)
        return [CaughtUp(key=ctx.key("caught_up"), race=ctx.race, at=ctx.at, covers=covers)]
    return [_first_results(ctx)]


def _arrival(before: Race, ctx: _Ctx) -> list[Event]:
    """Return the events of a race's first figures after versions without any: one message
    when it arrives whole or final, else the first results and the steps already passed."""
    race = ctx.race
    if race.final:
        progress, cands = _held(ctx)
        covers = (ctx.key("first_results"), *progress, *cands)
        return [ResultDeclaredFinal(key=ctx.key("final"), race=race, at=ctx.at, covers=covers)]
    if _counted_whole(race):
        return [_whole(ctx)]
    return [_first_results(ctx), *_reporting(before, ctx), *_turnout(before, ctx)]


def _whole(ctx: _Ctx) -> Event:
    """Return the one message of a place that comes in whole: its results, standing for the
    steps, levels and turnout milestones it passed at once, and for its completion (it is
    never told "final" besides)."""
    progress, cands = _held(ctx)
    return FirstResultsReported(
        key=ctx.key("first_results"),
        race=ctx.race,
        at=ctx.at,
        covers=(*progress, *cands, ctx.key("final")),
        whole=True,
    )


def _first_results(ctx: _Ctx) -> Event:
    """Return the first-results event; it stands for the candidate levels already held."""
    _, cands = _held(ctx)
    return FirstResultsReported(
        key=ctx.key("first_results"), race=ctx.race, at=ctx.at, covers=tuple(cands)
    )


def _reporting(before: Race, ctx: _Ctx) -> list[Event]:
    race = ctx.race
    # Steps passed while no figures were out are told with the first figures.
    low = (before.units.pct or 0.0) if before.has_results else -1.0
    steps = _reporting_steps(ctx, low, race.units.pct or 0.0)
    covers = tuple(ctx.key("reporting", s) for s in steps)
    if _newly_final(before, race):
        return [ResultDeclaredFinal(key=ctx.key("final"), race=race, at=ctx.at, covers=covers)]
    if not steps:
        return []
    top = steps[-1]
    return [
        ReportingThresholdCrossed(
            key=ctx.key("reporting", top),
            race=race,
            at=ctx.at,
            covers=covers[:-1],
            step=top,
            pct=race.units.pct or 0.0,
        )
    ]


def _candidates(before: Race, ctx: _Ctx) -> list[Event]:
    events: list[Event] = []
    h = ctx.rules.hysteresis
    for c in ctx.race.candidates:
        old = before.candidate(c.id)
        was, now = (old.share or 0.0) if old else 0.0, c.share or 0.0
        crossed = [lv for lv in ctx.rules.candidate_levels if was < lv <= now]
        if crossed:
            keys = [ctx.key("candidate", c.id, float(lv)) for lv in crossed]
            events.append(
                CandidateThresholdCrossed(
                    key=keys[-1],
                    race=ctx.race,
                    at=ctx.at,
                    covers=tuple(keys[:-1]),
                    candidate=c,
                    level=float(crossed[-1]),
                )
            )
        for lv in ctx.rules.candidate_levels:
            if was >= lv - h > now:
                events.append(
                    ResultCorrected(
                        key=ctx.key("correction", "candidate", c.id, float(lv)),
                        race=ctx.race,
                        at=ctx.at,
                        candidate=c,
                        level=float(lv),
                        retracts=ctx.key("candidate", c.id, float(lv)),
                    )
                )
    return events


def _leader(before: Race, ctx: _Ctx) -> list[Event]:
    """Tell who comes into the elected set and who leaves it: the leader when one is elected;
    in a race electing two or more, an order that changes within the set is no news."""
    old, new = _elected(before), _elected(ctx.race)
    if new is None:
        return []
    if old is None:
        return lead.out_of_tie(before, ctx.race, new, ctx.key, ctx.at)
    ins = [c for c in new if c.id not in {o.id for o in old}]
    outs = [c for c in old if c.id not in {n.id for n in new}]
    return [
        LeaderChanged(
            key=ctx.key("leader", came.id, ctx.stamp),
            race=ctx.race,
            at=ctx.at,
            leader=came,
            previous=went,
        )
        for came, went in zip(ins, outs, strict=True)
    ]


def _elected(race: Race) -> list[Candidate] | None:
    """Return the top `vote_for` candidates, best first; None when a tie for the last seat
    leaves the set open, or when there are no more candidates with a share than seats."""
    if race.vote_for <= 1:
        leader = race.leader()
        return None if leader is None else [leader]
    ranked = [c for c in race.standings() if c.share is not None]
    seats = race.vote_for
    if len(ranked) <= seats or ranked[seats - 1].share == ranked[seats].share:
        return None
    return ranked[:seats]


def _turnout_crossings(ctx: _Ctx, before: Race | None) -> list[TurnoutThresholdCrossed]:
    rules, race = ctx.rules, ctx.race
    voters, was = race.turnout.voters, (before.turnout.voters if before else None)
    part, was_part = race.turnout.participation, before.turnout.participation if before else None
    found: list[tuple[str, str, float, float]] = []
    if voters is not None:
        for n in rules.turnout_voters:
            if (was or 0) < n <= voters:
                found.append(("voters", ctx.key("turnout", "voters", n), n, voters))
        prev_round = rules.previous_round(race.id)
        if prev_round is not None and (was or 0) <= prev_round < voters:
            found.append(
                ("previous_round", ctx.key("turnout", "previous_round"), prev_round, voters)
            )
    if part is not None:
        for p in rules.turnout_participation:
            if (was_part or 0.0) < p <= part:
                found.append(
                    ("participation", ctx.key("turnout", "participation", float(p)), p, part)
                )
    return [
        TurnoutThresholdCrossed(
            key=key, race=race, at=ctx.at, metric=metric, threshold=float(t), value=float(v)
        )
        for metric, key, t, v in found
    ]


def _turnout(before: Race | None, ctx: _Ctx) -> list[Event]:
    return [
        *_turnout_crossings(ctx, before),
        *rounds.trend_events(before, ctx.race, ctx.rules, ctx.key, ctx.at),
    ]


def _corrections(before: Race, ctx: _Ctx) -> list[Event]:
    race = ctx.race
    changes: list[Change] = []

    def went_down(field: str, subject: str, old: int | None, new: int | None) -> None:
        if old is not None and new is not None and new < old:
            changes.append(Change(field=field, subject=subject, before=old, after=new))

    # Progress is compared in one unit only: a file that gives none (a totals file) or
    # counts something else never takes back what another said.
    if race.units.kind == before.units.kind != "none":
        went_down("units", race.id, before.units.counted, race.units.counted)
    went_down("voters", race.id, before.turnout.voters, race.turnout.voters)
    for c in race.candidates:
        old = before.candidate(c.id)
        went_down("votes", c.name, old.votes if old else None, c.votes)
    if not changes:
        return []
    return [
        ResultCorrected(
            key=ctx.key("correction", "figures", ctx.stamp),
            race=race,
            at=ctx.at,
            changes=tuple(changes),
        )
    ]
