"""The health check of a running bot (in process): its report, the gauges it sets, and a
store that cannot write or does not answer (the HTTP endpoints: tests/test_endpoints.py)."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path

from bot.health import STORE_PATIENCE, Report
from tests.store.backends import fill_up, make_room
from tests.support import Night, wait_for

VOTES = {"hamon": 600, "valls": 400}
SLACK_CHAT = '\n[[chats]]\nplatform = "slack"\nid = "C0HEALTH1"\n'  # Slack is not running


def gauge(night: Night, name: str, **labels: str) -> float | None:
    return night.app.metrics.registry.get_sample_value(name, labels)


async def test_a_healthy_bot_reports_its_sources_outbox_and_platforms(tmp_path: Path) -> None:
    async with Night(tmp_path, env={}, extra=SLACK_CHAT) as night:
        night.publish(10, VOTES, counted=50)

        async def console_done() -> Report | None:
            report = await night.app.checkup.check()
            return report if report.pending == {"slack": 1} else None

        # The console's alert goes; the Slack chat's waits for an adapter that is not running.
        await wait_for(console_done, what="the console's alert sent")
        report = await night.app.checkup.check()
        body = report.body()
    assert report.healthy
    assert body["status"] == "running"
    assert body["leader"] is True
    assert body["store"] == "ok"
    assert body["platforms"] == {"console": True}
    assert body["outbox"] == {"pending": 1, "by_platform": {"slack": 1}}
    source = body["sources"]["feed"]
    assert source["last_success"] is not None
    assert source["failures_in_a_row"] == 0
    assert gauge(night, "soiree_healthy") == 1
    assert gauge(night, "soiree_outbox_depth", platform="slack") == 1
    assert gauge(night, "soiree_platform_up", platform="console") == 1
    assert gauge(night, "soiree_source_failures", source="feed") == 0
    assert (gauge(night, "soiree_feed_staleness_seconds", source="feed") or -1) >= 0


async def test_a_paused_bot_says_so(tmp_path: Path) -> None:
    async with Night(tmp_path, env={}) as night:
        await night.app.controls.set_paused(True)
        report = await night.app.checkup.check()
    assert report.body()["status"] == "paused"
    assert report.healthy
    assert gauge(night, "soiree_paused") == 1


async def test_a_store_that_cannot_write_fails_the_check_until_it_can(tmp_path: Path) -> None:
    async with Night(tmp_path, env={}) as night:
        await fill_up(night.app.store)
        full = await night.app.checkup.check()
        await make_room(night.app.store)
        again = await night.app.checkup.check()
    assert not full.healthy
    assert (full.store or "").startswith("unavailable: ")
    assert full.pending == {}  # it could still read
    assert again.healthy


async def test_a_store_another_process_holds_locked_fails_within_its_patience(
    tmp_path: Path,
) -> None:
    async with Night(tmp_path, env={}) as night:
        holder = sqlite3.connect(tmp_path / "soiree.db", timeout=10, isolation_level=None)
        with contextlib.closing(holder):
            holder.execute("BEGIN IMMEDIATE")  # the write lock, as a long transaction holds it
            started = time.monotonic()
            stuck = await night.app.checkup.check()
            took = time.monotonic() - started
            holder.execute("ROLLBACK")

        async def healthy() -> Report | None:
            report = await night.app.checkup.check()
            return report if report.healthy else None

        await wait_for(healthy, patience=20, what="the store answering again")
    assert stuck.store == f"no answer within {STORE_PATIENCE:g} s"
    assert STORE_PATIENCE <= took < STORE_PATIENCE + 1
    assert gauge(night, "soiree_healthy") == 1
