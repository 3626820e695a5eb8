"""A previous-round feed ([rules.previous_round]): its files read at start into each race's
figures by id, compared like for like (issue 15, items 1 and 9)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import ConfigError, load
from bot.models import PreviousRound
from bot.previous import figures_of, previous_rounds
from bot.rounds import compared, share_changes
from tests.builders import feed_bytes, race, snap

CONFIG = """
[rules]
previous_round_voters = {{}}
margins = [1, 0.5]
margin_votes = [100]
ties = true
trend_points = 3
[rules.previous_round]
format = "canonical-json"
files = [{files}]

[[sources]]
id = "s"
format = "canonical-json"
replay = ["round2.json"]
"""


def _write(tmp_path: Path, files: str) -> Path:
    (tmp_path / "round1.json").write_bytes(
        feed_bytes(0, {"hamon": 600, "valls": 400}, counted=1000, voters=1_200)
    )
    (tmp_path / "round2.json").write_bytes(feed_bytes(60, {"hamon": 1, "valls": 1}, counted=1))
    config = tmp_path / "soiree.toml"
    config.write_text(CONFIG.format(files=files), encoding="utf-8")
    return config


def test_the_config_reads_the_previous_rounds_files_and_the_lead_rules(tmp_path: Path) -> None:
    rules = load(_write(tmp_path, '"round1.json"')).rules

    assert rules.previous_rounds == {
        "national": PreviousRound(
            voters=1_200, same_places=False, shares=(("hamon", 60.0), ("valls", 40.0))
        )
    }
    assert (rules.margins, rules.margin_votes, rules.ties, rules.trend_points) == (
        (0.5, 1.0),
        (100,),
        True,
        3.0,
    )


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        pytest.param('"nowhere.json"', "file not found", id="missing"),
        pytest.param('"soiree.toml"', "not read", id="not-a-feed"),
    ],
)
def test_a_previous_round_that_cannot_be_read_is_a_config_error(
    tmp_path: Path, files: str, problem: str
) -> None:
    with pytest.raises(ConfigError, match=problem):
        load(_write(tmp_path, files))


def test_only_a_complete_previous_count_is_compared_with() -> None:
    done = race({"a": 600, "b": 400}, counted=1000, voters=1_000)
    partial = race({"a": 600, "b": 400}, counted=500, voters=1_000)

    assert previous_rounds([snap(done, partial)]) == {"national": figures_of(done)}
    assert figures_of(partial) is None


def test_a_previous_round_feed_compares_pro_rata_then_totals_with_changes() -> None:
    before = figures_of(race({"a": 600, "b": 400}, counted=1000, voters=1_000))
    now = replace(race({"a": 330, "b": 270}, counted=500, voters=600), previous=before)
    done = replace(race({"a": 650, "b": 550}, counted=1000, voters=1_200), previous=before)

    half, whole = compared(now, None), compared(done, None)

    assert half is not None
    assert (half.method, half.voters) == ("pro_rata", 1_200.0)
    assert whole is not None
    assert whole.method == "totals"
    assert share_changes(now) == {}  # not the same places yet
    assert share_changes(done) == pytest.approx({"a": 650 / 12 - 60, "b": 550 / 12 - 40})
