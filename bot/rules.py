"""Rules: which thresholds and checks the diff applies, as one frozen record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.models import PreviousRound

DEFAULT_REPORTING_STEPS: tuple[int, ...] = (10, 25, 50, 75, 90, 100)


@dataclass(frozen=True, kw_only=True, slots=True)
class Rules:
    """Thresholds for events and tolerances for anomaly checks."""

    reporting_steps: tuple[int, ...] = DEFAULT_REPORTING_STEPS
    candidate_levels: tuple[float, ...] = (50.0,)
    hysteresis: float = 0.5
    turnout_voters: tuple[int, ...] = ()
    turnout_participation: tuple[float, ...] = ()
    previous_round_voters: tuple[tuple[str, int], ...] = ()
    # The previous round's figures by race id, read from a previous-round feed; attached
    # to the races that carry none of their own (bot.rounds.attached).
    previous_rounds: Mapping[str, PreviousRound] = field(default_factory=dict)
    # Turnout up or down on the previous round, like for like, by more than this: in points
    # of participation when both rounds' registered voters are known, else in % of voters.
    trend_points: float = 2.0
    trend_percent: float = 5.0
    trend_min_counted: float = 50.0  # % of units counted before a pro rata trend is told
    # The lead between the first two (or the last elected and the first not) falling under
    # these margins, in points of share and in votes; rising back above one takes
    # `hysteresis` points more, or `margin_votes_hysteresis` of the margin in votes.
    margins: tuple[float, ...] = ()
    margin_votes: tuple[int, ...] = ()
    margin_votes_hysteresis: float = 0.1
    ties: bool = False  # announce an exact tie at the top ("à égalité")
    share_tolerance: float = 0.1
    republication_growth: float = 10.0
    republication_share_epsilon: float = 0.01

    def previous_round(self, race_id: str) -> int | None:
        """Return the previous round's voters configured for this race, if any."""
        return dict(self.previous_round_voters).get(race_id)
