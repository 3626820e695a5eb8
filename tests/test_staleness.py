"""Staleness: one notice when a source goes silent in the results window, one on recovery."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

from bot.app import App, Options
from bot.config import load
from bot.staleness import StaleWatch
from tests.builders import at, feed_doc
from tests.support import wait_for, write_config


def test_watch_turns_stale_once_and_recovers_once() -> None:
    watch = StaleWatch(stale_after=timedelta(minutes=10), since=at(0))
    assert watch.update(at(5), None) is None
    assert watch.update(at(11), None) is True
    assert watch.update(at(30), None) is None  # still stale: no second notice
    assert watch.update(at(31), at(31)) is False
    assert watch.update(at(35), at(31)) is None


def test_watch_is_quiet_outside_the_results_window() -> None:
    watch = StaleWatch(
        stale_after=timedelta(minutes=10), since=at(0), window_start=at(60), window_end=at(120)
    )
    assert watch.update(at(50), None) is None  # silent, but no results expected yet
    assert watch.update(at(61), None) is True
    assert watch.update(at(130), None) is False  # the window closed: nothing to wait for


async def test_admins_hear_once_that_a_source_is_silent_and_once_that_it_is_back(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    path = write_config(tmp_path, "file:feed.json", extra="stale_after = 0.3\n")
    app = App(load(path), Options(out=out, interactive=False, env={}))
    await app.start()
    try:
        await wait_for(lambda: "silent since" in out.getvalue(), what="the stale notice")
        (tmp_path / "feed.json").write_text(
            json.dumps(feed_doc(10, {"a": 60, "b": 40}, counted=50)), encoding="utf-8"
        )
        await wait_for(lambda: "updating again" in out.getvalue(), what="the recovery")
    finally:
        await app.stop()
    text = out.getvalue()
    before = text[: text.index("updating again")]
    assert before.count("⚠ Source feed silent since") == 1  # once, however long the silence
    assert "no new version" in text
    assert text.count("✓ Source feed is updating again") == 1
