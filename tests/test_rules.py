"""The rules record: its default steps, and the previous round's voters looked up by race."""

from __future__ import annotations

from bot.rules import DEFAULT_REPORTING_STEPS, Rules


def test_default_reporting_steps() -> None:
    assert Rules().reporting_steps == DEFAULT_REPORTING_STEPS == (10, 25, 50, 75, 90, 100)


def test_previous_round_voters_by_race() -> None:
    rules = Rules(previous_round_voters=(("national", 1_500_000), ("D075", 600_000)))
    assert rules.previous_round("D075") == 600_000
    assert rules.previous_round("national") == 1_500_000
    assert rules.previous_round("C075056") is None
    assert Rules().previous_round("national") is None
