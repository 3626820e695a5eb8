"""A previous-round feed ([rules.previous_round]): its files read at start into each race's
figures by id, compared like for like (issue 15, items 1 and 9)."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load
from bot.models import PreviousRound, replace
from bot.previous import figures_of, previous_rounds
from bot.rounds import compared, share_changes
from tests.builders import feed_bytes, race, snap
from tests.feedserver import FeedServer
from tests.support import ROOT

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


def _with_urls(tmp_path: Path, urls: str) -> Path:
    config = _write(tmp_path, '"round1.json"')
    text = config.read_text(encoding="utf-8").replace('files = ["round1.json"]', f"urls = [{urls}]")
    config.write_text(text, encoding="utf-8")
    return config


async def test_the_previous_round_can_be_a_url_fetched_at_start(tmp_path: Path, feed: FeedServer):
    feed.publish(feed_bytes(0, {"hamon": 600, "valls": 400}, counted=1000, voters=1_200))
    config = _with_urls(tmp_path, f'"{feed.url}"')
    rules = (await asyncio.to_thread(load, config)).rules  # a blocking read, as at start
    assert rules.previous_rounds["national"].voters == 1_200
    assert [h.path for h in feed.hits] == ["/feed.json"]


async def test_a_previous_round_url_out_of_reach_is_a_warning_and_the_night_goes_on(
    tmp_path: Path, feed: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    feed.script.append((404, b"<html>not here</html>"))
    secret = feed.url.replace("http://", "http://user:S3cret@", 1)
    config = _with_urls(tmp_path, f'"{secret}"')
    with caplog.at_level(logging.WARNING, logger="bot.config"):
        rules = (await asyncio.to_thread(load, config)).rules
    assert rules.previous_rounds == {}
    [warning] = [r.getMessage() for r in caplog.records]
    assert "rules.previous_round.urls: not read" in warning
    assert "404" in warning
    assert "S3cret" not in warning
    checked = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "bot", "check-config", str(config)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "no like-for-like comparison" in checked.stderr


def test_files_and_urls_together_are_refused(tmp_path: Path) -> None:
    config = _write(tmp_path, '"round1.json"')
    text = config.read_text(encoding="utf-8") + ""
    text = text.replace('files = ["round1.json"]', 'files = ["round1.json"]\nurls = ["http://x/"]')
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="give files or urls"):
        load(config)


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
