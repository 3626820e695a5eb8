"""Events: the facts the diff finds, as frozen keyword-only records named in the past tense."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar

from bot.models import Candidate, Race


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    """A fact about a race. `key` names the fact; `covers` are keys it also settles;
    `retracts` is the key of a fact it takes back (a correction's), if any."""

    kind: ClassVar[str] = "event"
    audience: ClassVar[str] = "public"

    key: str
    race: Race
    at: datetime
    covers: tuple[str, ...] = ()
    retracts: str | None = None


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
    """A new candidate leads the race."""

    kind: ClassVar[str] = "leader_changed"
    leader: Candidate
    previous: Candidate


@dataclass(frozen=True, kw_only=True, slots=True)
class TurnoutThresholdCrossed(Event):
    """Turnout passed a milestone: a voter count, a participation %, or the previous round."""

    kind: ClassVar[str] = "turnout_threshold"
    metric: str  # "voters" | "participation" | "previous_round"
    threshold: float
    value: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Change:
    """One figure that went down between two versions."""

    field: str
    subject: str
    before: float
    after: float


@dataclass(frozen=True, kw_only=True, slots=True)
class ResultCorrected(Event):
    """Figures were revised downward, or an announced threshold no longer holds."""

    kind: ClassVar[str] = "correction"
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
    TurnoutThresholdCrossed,
    ResultCorrected,
    AnomalyDetected,
    SourcesDisagreed,
    ResultDeclaredFinal,
    CaughtUp,
)


def admit(events: Iterable[Event], seen: set[str]) -> list[Event]:
    """Return the events whose key is new, updating `seen` with their keys and covers.

    A correction that retracts a key never announced is dropped: there is nothing to correct.
    """
    admitted: list[Event] = []
    for event in events:
        if event.key in seen:
            if not set(event.covers) - seen:
                continue
            # The fact itself was told, but it now stands for facts that were not: tell it
            # again under a key of its own, so that nothing it covers is lost.
            event = replace(event, key=f"{event.key}@{event.at.isoformat()}")
            if event.key in seen:
                continue
        if isinstance(event, ResultCorrected) and event.retracts and event.retracts not in seen:
            continue
        seen.add(event.key)
        seen.update(event.covers)
        admitted.append(event)
    return admitted
