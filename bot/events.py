"""Events: the facts the diff finds, as frozen keyword-only records named in the past tense."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar

import msgspec

from bot.models import Candidate, Race


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    """A fact about a race. `key` names the fact; `covers` are keys it also settles;
    `retracts` is the key of a fact it takes back (a correction's), if any. `generation`
    counts how often the fact came true: 2 when it holds again after its correction (set by
    `admit`, which also suffixes the key: `…:candidate:a:50~2`). The figures of `race` a
    check put in doubt (`race.doubts`) are the last good ones, and are not told as news."""

    kind: ClassVar[str] = "event"
    audience: ClassVar[str] = "public"
    # A correction: with `retracts`, news only while the fact it retracts holds.
    retraction_only: ClassVar[bool] = False

    key: str
    race: Race
    at: datetime
    covers: tuple[str, ...] = ()
    retracts: str | None = None
    generation: int = 1


@dataclass(frozen=True, kw_only=True, slots=True)
class FirstResultsReported(Event):
    """The first figures of a race arrived. `whole`: they came in complete (every unit in
    at once, a commune's results), so this one message stands for the whole place."""

    kind: ClassVar[str] = "first_results"
    whole: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class ReportingThresholdCrossed(Event):
    """The share of units counted passed a step (e.g. 50 %)."""

    kind: ClassVar[str] = "reporting_threshold"
    step: int
    pct: float


@dataclass(frozen=True, kw_only=True, slots=True)
class CandidateThresholdCrossed(Event):
    """A candidate's share rose past a level."""

    kind: ClassVar[str] = "candidate_threshold"
    candidate: Candidate
    level: float


@dataclass(frozen=True, kw_only=True, slots=True)
class LeaderChanged(Event):
    """A new candidate leads the race. `after_tie`: the top was tied before, `previous`
    being the one it was tied with."""

    kind: ClassVar[str] = "leader_changed"
    leader: Candidate
    previous: Candidate
    after_tie: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class LeadTied(Event):
    """The top of the race is an exact tie (in a race electing several, the last seat):
    `tied` are the candidates level, best placed first."""

    kind: ClassVar[str] = "tie"
    tied: tuple[Candidate, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class MarginNarrowed(Event):
    """The lead fell under a margin: in points of share, or in votes (`unit`). `leader` and
    `runner_up` are the first two (in a race electing several: the last elected and the
    first not elected); `lead` is the gap now, in the margin's unit."""

    kind: ClassVar[str] = "margin_narrowed"
    margin: float
    unit: str  # "points" | "votes"
    lead: float
    leader: Candidate
    runner_up: Candidate


@dataclass(frozen=True, kw_only=True, slots=True)
class MarginWidened(Event):
    """The lead rose back above a margin it was told to be under (beyond the hysteresis):
    it takes that back, and is news only while it holds."""

    kind: ClassVar[str] = "margin_widened"
    retraction_only: ClassVar[bool] = True
    margin: float
    unit: str
    lead: float
    leader: Candidate
    runner_up: Candidate


@dataclass(frozen=True, kw_only=True, slots=True)
class TurnoutThresholdCrossed(Event):
    """Turnout passed a milestone: a voter count, a participation %, or the previous round."""

    kind: ClassVar[str] = "turnout_threshold"
    metric: str  # "voters" | "participation" | "previous_round"
    threshold: float
    value: float


@dataclass(frozen=True, kw_only=True, slots=True)
class TurnoutCompared:
    """Turnout against the previous round, like for like: `method` "same_places" (the
    previous round's voters in the places counted now), "pro_rata" (voters over the share
    of units counted, an estimate, against the previous total) or "totals" (a count that is
    complete). `voters` is this round's figure (the estimate, pro rata); `points` the change
    in participation, when both rounds' registered voters are known for the same places."""

    method: str
    voters: float
    previous: int
    points: float | None = None

    @property
    def change(self) -> float:
        """Return the change in voters, in percent of the previous round's."""
        return 100.0 * (self.voters - self.previous) / self.previous


@dataclass(frozen=True, kw_only=True, slots=True)
class TurnoutTrendChanged(Event):
    """Turnout compared like for like is up (or down) on the previous round by more than
    the rules' margin. Told once per direction; a reversal beyond the margin retracts the
    other direction."""

    kind: ClassVar[str] = "turnout_trend"
    direction: str  # "up" | "down"
    compared: TurnoutCompared


class Change(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One figure that went down between two versions: a record the correction carries,
    like the results models an untracked struct (a version whose every commune went down
    somewhere made 190,000 of them, two thirds of what the collector then walked, P6)."""

    field: str
    subject: str
    before: float
    after: float


@dataclass(frozen=True, kw_only=True, slots=True)
class ResultCorrected(Event):
    """Figures were revised downward, or an announced threshold no longer holds."""

    kind: ClassVar[str] = "correction"
    retraction_only: ClassVar[bool] = True
    changes: tuple[Change, ...] = ()
    candidate: Candidate | None = None
    level: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class AnomalyDetected(Event):
    """The feed's figures do not add up; the version is flagged, not announced as news."""

    kind: ClassVar[str] = "anomaly"
    audience: ClassVar[str] = "admin"
    check: str
    detail: tuple[tuple[str, float], ...] = ()
    taints: tuple[str, ...] = ()  # the figures it puts in doubt: "shares", "turnout"


@dataclass(frozen=True, kw_only=True, slots=True)
class SourcesDisagreed(Event):
    """Two sources gave different figures for one race at one data time: `race` is this
    version's (from `source`), not served; `served` stays, from `other`. Found by the
    pipeline against the store (bot.rivals), not by the diff."""

    kind: ClassVar[str] = "sources_disagree"
    audience: ClassVar[str] = "admin"
    source: str
    other: str
    served: Race


@dataclass(frozen=True, kw_only=True, slots=True)
class ResultDeclaredFinal(Event):
    """The race is final, or every unit is counted."""

    kind: ClassVar[str] = "final"


@dataclass(frozen=True, kw_only=True, slots=True)
class CaughtUp(Event):
    """The bot first saw a race already past thresholds; one summary stands for them."""

    kind: ClassVar[str] = "caught_up"


EVENT_KINDS: tuple[type[Event], ...] = (
    FirstResultsReported,
    ReportingThresholdCrossed,
    CandidateThresholdCrossed,
    LeaderChanged,
    LeadTied,
    MarginNarrowed,
    MarginWidened,
    TurnoutThresholdCrossed,
    TurnoutTrendChanged,
    ResultCorrected,
    AnomalyDetected,
    SourcesDisagreed,
    ResultDeclaredFinal,
    CaughtUp,
)


def generation_key(key: str, generation: int) -> str:
    """Return the ledger key of a fact's generation: the key itself for the first."""
    return key if generation <= 1 else f"{key}~{generation}"


def retracted_mark(key: str) -> str:
    """Return the ledger key that says a fact's generation was retracted (corrected)."""
    return f"{key}/retracted"


def _current(key: str, seen: set[str]) -> tuple[int, bool]:
    """Return the generation a fact is at, and whether that generation holds (was told and
    not retracted); a fact retracted is at its next generation, not told yet."""
    generation = 1
    while generation_key(key, generation) in seen:
        if retracted_mark(generation_key(key, generation)) not in seen:
            return generation, True
        generation += 1
    return generation, False


def wanted(events: Iterable[Event], seen: set[str]) -> set[str]:
    """Return the ledger keys `admit` needs to judge these events, given the part of the
    ledger already read (`seen`): each fact's generations up to its current one, and their
    retraction marks. A store reads them until this asks for nothing new (one round, or one
    more per generation a fact has had)."""
    keys: set[str] = set()
    for event in events:
        facts = [event.key, *event.covers, *([event.retracts] if event.retracts else [])]
        for fact in facts:
            generation, _ = _current(fact, seen)
            for g in range(1, generation + 1):
                keys.update((generation_key(fact, g), retracted_mark(generation_key(fact, g))))
        generation, _ = _current(event.key, seen)
        keys.add(f"{generation_key(event.key, generation)}@{event.at.isoformat()}")
    return keys


def admit(events: Iterable[Event], seen: set[str]) -> list[Event]:
    """Return the events whose fact is new, updating `seen` with their keys and covers.

    A fact that was told and then retracted is new again: its next generation, under its
    own key (`key~2`). A correction (`retraction_only`) of a fact that does not hold, never
    told or retracted already, is dropped: there is nothing to correct. An event that also
    retracts (a trend that reverses) is told whether or not the fact it reverses holds.
    """
    admitted: list[Event] = []
    for event in events:
        retracts = None
        if event.retracts:
            generation, holds = _current(event.retracts, seen)
            retracts = generation_key(event.retracts, generation) if holds else None
        if event.retraction_only and event.retracts:
            # A correction belongs to the generation it retracts (the first: its plain key).
            key = generation_key(event.key, generation) if retracts else ""
            if not key or key in seen:
                continue
            holds = False
        else:
            generation, holds = _current(event.key, seen)
            key = generation_key(event.key, generation)
        covers = tuple(generation_key(c, _current(c, seen)[0]) for c in event.covers)
        if holds:
            if all(_current(c, seen)[1] for c in event.covers):
                continue
            # The fact itself was told, but it now stands for facts that were not: tell it
            # again under a key of its own, so that nothing it covers is lost.
            key = f"{key}@{event.at.isoformat()}"
            if key in seen:
                continue
        marks = (retracted_mark(retracts),) if retracts else ()
        event = replace(
            event, key=key, covers=covers + marks, retracts=retracts, generation=generation
        )
        seen.add(key)
        seen.update(event.covers)
        admitted.append(event)
    return admitted
