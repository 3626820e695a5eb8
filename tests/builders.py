"""Builders for models, canonical feed documents and sample events used across the tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from bot.diff import advance, diff, diff_race
from bot.events import (
    AnomalyDetected,
    CandidateThresholdCrossed,
    CaughtUp,
    Change,
    Event,
    FirstResultsReported,
    LeaderChanged,
    LeadTied,
    MarginNarrowed,
    MarginWidened,
    ReportingThresholdCrossed,
    ResultCorrected,
    ResultDeclaredFinal,
    SourcesDisagreed,
    TurnoutCompared,
    TurnoutThresholdCrossed,
    TurnoutTrendChanged,
    admit,
)
from bot.models import Candidate, Race, Snapshot, Turnout, Units, replace, with_computed_shares
from bot.rules import Rules

PARIS_WINTER = timezone(timedelta(hours=1))
T0 = datetime(2017, 1, 29, 19, 30, tzinfo=PARIS_WINTER)
EVENTS_AT = datetime(2017, 1, 29, 20, 10, tzinfo=UTC)  # the sample events' data time


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


# --- diffs as the pipeline plays them ----------------------------------------------------------

RULES = Rules()  # the default rules
NOW = at(600)  # wall-clock time of the diff; events must carry the data time instead
STAMP = at(1).isoformat()  # the data time `step` diffs at, as an event key spells it


def step(
    before: Race | Snapshot | None, after: Race, rules: Rules = RULES, minutes: int = 1
) -> list[Event]:
    """Diff `after` (at `minutes`) over `before` (a race at minute 0, a snapshot, or None)."""
    prev = snap(before, minutes=0) if isinstance(before, Race) else before
    return diff(prev, snap(after, minutes=minutes), rules, NOW)


def key(*parts: str) -> str:
    """Return the key of a fact about the race "national"."""
    return ":".join(("national", *parts))


def with_turnout(r: Race, **fields: int | None) -> Race:
    """Return the race with some turnout fields replaced."""
    return replace(r, turnout=replace(r.turnout, **fields))


def run(snapshots: list[Snapshot], rules: Rules = RULES) -> tuple[list[Event], set[str]]:
    """Play snapshots through diff → admit → advance, as the pipeline does."""
    baseline: Snapshot | None = None
    seen: set[str] = set()
    admitted: list[Event] = []
    for s in snapshots:
        found = diff(baseline, s, rules, NOW)
        admitted += admit(found, seen)
        baseline = advance(baseline, s, found)
    return admitted, seen


# --- sample events: one of every kind, in every variant the renderer distinguishes ---------


def sample_race() -> Race:
    """Return the race every sample event is about: Hamon ahead, 4,100 of 7,370 stations counted."""
    return race(
        {"hamon": 650_000, "valls": 470_180},
        counted=4100,
        total=7370,
        voters=1_140_000,
        registered=2_000_000,
        name="Primaire",
    )


def anomaly_races() -> Iterator[tuple[Race | None, Race]]:
    """Yield (before, race) pairs that each fail one arithmetic check."""
    yield None, race({"a": 60, "b": 40}, valid=90)  # votes_vs_valid
    yield None, race({"a": 60, "b": 40}, voters=90)  # votes_vs_voters
    yield None, race({"a": 60, "b": 40}, voters=120, registered=100)  # voters_vs_registered
    yield (
        None,
        with_computed_shares(
            Race(
                id="national",
                name="Primaire",
                units=Units(counted=10, total=100),
                turnout=Turnout(voters=110, valid=100, blank=3, null=2),
                candidates=(
                    Candidate(id="a", name="A", votes=60),
                    Candidate(id="b", name="B", votes=40),
                ),
            )
        ),
    )  # ballots_vs_voters
    yield (
        None,
        with_computed_shares(
            Race(
                id="national",
                name="Primaire",
                units=Units(counted=10, total=100),
                candidates=(
                    Candidate(id="a", name="Alice", votes=60, published_share=55.0),
                    Candidate(id="b", name="Bob", votes=40, published_share=40.0),
                ),
            )
        ),
    )  # published_share:a
    yield None, race(shares={"a": 50.0, "b": 40.0})  # share_sum
    yield (
        None,
        with_computed_shares(
            Race(
                id="us-senate",
                name="U.S. Senate",
                units=Units(counted=10, total=100),
                candidates=(
                    Candidate(id="cotton", name="Cotton", votes=4777, votes_by_type=4621),
                    Candidate(id="lee", name="Lee", votes=3000, votes_by_type=3000),
                ),
            )
        ),
    )  # vote_types:cotton
    yield (
        None,
        with_computed_shares(
            Race(
                id="national",
                name="Primaire",
                units=Units(counted=10, total=100),
                candidates=(
                    Candidate(id="a", name="A", votes=60),
                    Candidate(id="b", name="B", published_share=40.0),
                ),
            )
        ),
    )  # partial_votes
    yield (
        race({"a": 600, "b": 400}, counted=100),
        race({"a": 1200, "b": 800}, counted=200),
    )  # republication


def anomaly_events() -> list[AnomalyDetected]:
    """Return the anomaly each pair of `anomaly_races` raises, one per check."""
    events = []
    for before, after in anomaly_races():
        found = diff_race(before, after, Rules(), EVENTS_AT)
        assert any(isinstance(e, AnomalyDetected) for e in found), (before, after)
        events.extend(e for e in found if isinstance(e, AnomalyDetected))
    # Not the diff's: a place's own figures against the sum of its parts (bot.levels).
    detail = (("registered", 900.0), ("registered_parts", 1000.0), ("voters", 600.0))
    levels = race({"a": 60, "b": 40}, counted=10, total=10)
    events.append(
        AnomalyDetected(
            key="national:anomaly:levels:0",
            race=replace(levels, units=Units(counted=10, total=10, kind="communes"), summed=True),
            at=EVENTS_AT,
            check="levels",
            detail=(*detail, ("voters_parts", 700.0)),
        )
    )
    return events


def all_events() -> list[Event]:
    """Return at least one event of every kind, in every variant the renderer distinguishes."""
    r = sample_race()
    hamon, valls = r.candidates
    complete = race({"hamon": 1, "valls": 2}, counted=7370, total=7370, voters=3)
    final = race({"hamon": 1, "valls": 2}, counted=7370, total=7370, voters=3, final=True)
    in_units = {
        kind: replace(r, units=Units(counted=counted, total=total, kind=kind))
        for kind, counted, total in (
            ("communes", 141, 280),
            ("precincts", 12, 30),
            ("counties", 40, 75),
            ("percent", 6250, 10000),
        )
    }
    return [
        FirstResultsReported(key="national:first_results", race=r, at=EVENTS_AT),
        FirstResultsReported(key="national:first_results", race=complete, at=EVENTS_AT, whole=True),
        *(
            ReportingThresholdCrossed(
                key="national:reporting:50", race=u, at=EVENTS_AT, step=50, pct=u.units.pct or 0
            )
            for u in in_units.values()
        ),
        *(
            ResultDeclaredFinal(
                key="national:final",
                race=replace(u, units=replace(u.units, counted=u.units.total or 0)),
                at=EVENTS_AT,
            )
            for u in in_units.values()
        ),
        *(
            ResultCorrected(
                key="national:correction:figures",
                race=u,
                at=EVENTS_AT,
                changes=(Change(field="units", subject="national", before=7000, after=6250),),
            )
            for u in in_units.values()
        ),
        ReportingThresholdCrossed(
            key="national:reporting:50", race=r, at=EVENTS_AT, step=50, pct=55.6
        ),
        CandidateThresholdCrossed(
            key="national:candidate:hamon:50", race=r, at=EVENTS_AT, candidate=hamon, level=50.0
        ),
        CandidateThresholdCrossed(
            key="national:candidate:hamon:57.5", race=r, at=EVENTS_AT, candidate=hamon, level=57.5
        ),
        LeaderChanged(
            key="national:leader:valls", race=r, at=EVENTS_AT, leader=valls, previous=hamon
        ),
        *(  # a measure's answer, and a race electing two (Clarity's isQuestion, voteFor)
            LeaderChanged(key="m:leader:valls", race=m, at=EVENTS_AT, leader=valls, previous=hamon)
            for m in (replace(r, is_question=True), replace(r, vote_for=2))
        ),
        CandidateThresholdCrossed(
            key="m:candidate:hamon:50",
            race=replace(r, is_question=True),
            at=EVENTS_AT,
            candidate=hamon,
            level=50.0,
        ),
        TurnoutThresholdCrossed(
            key="national:turnout:voters:1000000",
            race=r,
            at=EVENTS_AT,
            metric="voters",
            threshold=1_000_000,
            value=1_140_000,
        ),
        TurnoutThresholdCrossed(
            key="national:turnout:participation:50",
            race=r,
            at=EVENTS_AT,
            metric="participation",
            threshold=50.0,
            value=57.0,
        ),
        TurnoutThresholdCrossed(
            key="national:turnout:previous_round",
            race=r,
            at=EVENTS_AT,
            metric="previous_round",
            threshold=1_100_000,
            value=1_140_000,
        ),
        ResultCorrected(
            key="national:correction:candidate:hamon:50",
            race=r,
            at=EVENTS_AT,
            candidate=hamon,
            level=50.0,
            retracts="national:candidate:hamon:50",
        ),
        ResultCorrected(
            key="national:correction:figures",
            race=r,
            at=EVENTS_AT,
            changes=(
                Change(field="units", subject="national", before=4200, after=4100),
                Change(field="voters", subject="national", before=1_150_000, after=1_140_000),
                Change(field="votes", subject="Benoît Hamon", before=651_000, after=650_000),
            ),
        ),
        *anomaly_events(),
        SourcesDisagreed(
            key=f"national:sources_disagree:ministry:regional:{EVENTS_AT.isoformat()}",
            race=r,
            at=EVENTS_AT,
            source="regional",
            other="ministry",
            served=complete,
        ),
        ResultDeclaredFinal(key="national:final", race=final, at=EVENTS_AT),
        ResultDeclaredFinal(key="national:final", race=complete, at=EVENTS_AT),
        CaughtUp(key="national:caught_up", race=r, at=EVENTS_AT, covers=("national:reporting:50",)),
        CaughtUp(key="national:caught_up", race=final, at=EVENTS_AT, covers=("national:final",)),
        *lead_and_trend_events(),
    ]


def lead_and_trend_events() -> list[Event]:
    """Return the events of issue 15, in every variant the renderer distinguishes: a level
    crossed again, a leader out of a tie, a tie, margins narrowed (again) and widened in
    points and votes, the turnout's trend by each method, and a version's shares in doubt."""
    r = sample_race()
    hamon, valls = r.candidates
    tie = race({"hamon": 500, "valls": 500}, counted=4100, total=7370, name="Primaire")
    margin = {"race": r, "at": EVENTS_AT, "leader": hamon, "runner_up": valls}
    trends = [
        TurnoutTrendChanged(
            key=f"national:turnout_trend:{direction}",
            race=r,
            at=EVENTS_AT,
            direction=direction,
            compared=TurnoutCompared(method=method, voters=voters, previous=1_660_000),
            # a reversal: it takes back the other direction
            retracts="national:turnout_trend:other" if method == "totals" else None,
        )
        for direction, voters in (("up", 1_866_967.0), ("down", 1_500_000.0))
        for method in ("pro_rata", "same_places", "totals")
    ]
    margins: list[Event] = []
    sizes = (("points", 1.0, 0.4, 1.6), ("points", 2.0, 1.5, 2.6))
    sizes += (("votes", 1.0, 0.0, 2.0), ("votes", 1000.0, 420.0, 1200.0))
    for unit, size, now, wide in sizes:
        name = f"national:margin:{unit}:{size:g}"
        margins += [
            MarginNarrowed(
                key=f"{name}~{g}", margin=size, unit=unit, lead=now, generation=g, **margin
            )
            for g in (1, 2)
        ]
        margins.append(
            MarginWidened(
                key=f"{name}:widened", margin=size, unit=unit, lead=wide, retracts=name, **margin
            )
        )
    return [
        CandidateThresholdCrossed(
            key="national:candidate:hamon:50~2",
            race=r,
            at=EVENTS_AT,
            candidate=hamon,
            level=50.0,
            generation=2,
        ),
        CandidateThresholdCrossed(
            key="m:candidate:hamon:50~2",
            race=replace(r, is_question=True),
            at=EVENTS_AT,
            candidate=hamon,
            level=50.0,
            generation=2,
        ),
        LeaderChanged(
            key="national:leader:hamon:t",
            race=r,
            at=EVENTS_AT,
            leader=hamon,
            previous=valls,
            after_tie=True,
        ),
        LeadTied(key="national:tie:t", race=tie, at=EVENTS_AT, tied=tie.candidates),
        LeadTied(key="s:tie:t", race=replace(tie, vote_for=2), at=EVENTS_AT, tied=tie.candidates),
        *margins,
        *trends,
        ReportingThresholdCrossed(
            key="national:reporting:50",
            race=replace(r, doubts=("shares",)),
            at=EVENTS_AT,
            step=50,
            pct=55.6,
        ),
        TurnoutThresholdCrossed(
            key="national:turnout:voters:1000000",
            race=replace(r, doubts=("turnout",)),
            at=EVENTS_AT,
            metric="voters",
            threshold=1_000_000,
            value=1_140_000,
        ),
    ]
