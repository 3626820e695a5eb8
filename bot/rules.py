"""Rules: which thresholds and checks the diff applies, as one frozen record."""

from __future__ import annotations

from dataclasses import dataclass

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
    share_tolerance: float = 0.1
    republication_growth: float = 10.0
    republication_share_epsilon: float = 0.01

    def previous_round(self, race_id: str) -> int | None:
        """Return the previous round's voters configured for this race, if any."""
        return dict(self.previous_round_voters).get(race_id)
