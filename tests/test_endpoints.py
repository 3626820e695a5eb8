"""GET /healthz and GET /metrics through the running process (`python -m bot run` with
$PORT, a real feed server, the fake Telegram and Slack, read with httpx): counters that
move as versions are polled and alerts sent, a 429 and its wait, 503 while the store is
locked by another process or cannot write, Slack's HTTP server shared; in process, a bot
whose loop is stuck, a port taken."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import resource
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.health import STORE_PATIENCE
from tests.builders import feed_bytes
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import FakeTelegram
from tests.faults.support import night_config, texts
from tests.feedserver import FeedServer
from tests.support import ROOT, SECRET, Night, wait_for

GROUP = -4201
SLACK_CHAT = '\n[[chats]]\nplatform = "slack"\nid = "C0HEALTH1"\n'  # Slack is not running
SERVED = re.compile(r"serving /healthz and /metrics at ([\d.]+:\d+)")
NO_ROOM = (0, resource.RLIM_INFINITY)  # as tests/faults/test_store_faults.py fills the disk
UNLIMITED = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)


class Bot:
    """`python -m bot run` as a child process with $PORT=0, its log read from a pipe (a
    file would be held by the file-size limit too)."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc, self.lines = proc, list[str]()
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def start(cls, config: Path, tg: FakeTelegram, slack: FakeSlack | None = None) -> Bot:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url,
               "TELEGRAM_POLL_TIMEOUT": "1", "NO_PROXY": "127.0.0.1", "SOIREE_LOG_LEVEL": "INFO",
               "PORT": "0", "SLACK_HTTP_HOST": "127.0.0.1"}  # fmt: skip
        if slack is not None:
            env |= {"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_BASE_URL": slack.api_url}  # fmt: skip
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config),
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        return cls(proc)

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for line in self.proc.stderr:
            self.lines.append(line.decode(errors="replace"))

    async def served_at(self, marker: re.Pattern[str] = SERVED) -> str:
        """Return the base URL its log says the endpoints are served at."""

        def found() -> str | None:
            hits = (marker.search(line) for line in self.lines)
            return next((f"http://{m.group(1)}" for m in hits if m), None)

        await wait_for(found, patience=30, what="the endpoints served")
        return str(found())

    def limit(self, limits: tuple[int, int]) -> None:
        """Set the bot's file-size limit (RLIMIT_FSIZE) from outside, as a disk fills."""
        resource.prlimit(self.proc.pid, resource.RLIMIT_FSIZE, limits)

    async def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.terminate()
        await self.proc.wait()
        await self._reader


class Scrape:
    """GET /metrics, read back by prometheus-client's own parser."""

    def __init__(self, http: httpx.AsyncClient, base: str) -> None:
        self.http, self.url = http, f"{base}/metrics"
        self.content_type = ""

    async def __call__(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        response = await self.http.get(self.url, timeout=10)
        assert response.status_code == 200
        self.content_type = response.headers["content-type"]
        return {
            (s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples
        }

    def reaches(self, name: str, least: float, **labels: str) -> Callable[[], Awaitable[bool]]:
        """Return a condition for wait_for: the sample is there, at least `least`."""

        async def condition() -> bool:
            return (await self()).get((name, frozenset(labels.items())), 0.0) >= least

        return condition


def config(tmp_path: Path, url: str) -> Path:
    """A night on one feed: alerts to a Telegram group, and to a Slack channel that waits
    (no Slack adapter runs), one alert a message."""
    path = night_config(tmp_path, {"feed": url}, groups=[GROUP], top="digest_max = 1")
    path.write_text(path.read_text(encoding="utf-8") + SLACK_CHAT, encoding="utf-8")
    return path


def votes(minutes: int, counted: int) -> bytes:
    return feed_bytes(minutes, {"hamon": 600, "valls": 400}, counted=counted)


async def test_healthz_and_metrics_follow_the_night(
    tmp_path: Path, feed: FeedServer, tg: FakeTelegram, http: httpx.AsyncClient
) -> None:
    feed.publish(votes(10, 50))
    bot = await Bot.start(config(tmp_path, feed.url), tg)
    try:
        base = await bot.served_at()
        scrape = Scrape(http, base)
        # A version polled and its alert sent: every count of its path moves.
        for name, labels in [
            ("soiree_polls_total", {"source": "feed", "outcome": "changed"}),
            ("soiree_polls_total", {"source": "feed", "outcome": "not_modified"}),
            ("soiree_versions_total", {"source": "feed", "outcome": "accepted"}),
            ("soiree_events_total", {"kind": "first_results"}),
            ("soiree_parse_seconds_count", {"format": "canonical-json"}),
            ("soiree_cycle_seconds_count", {"source": "feed"}),
            ("soiree_sends_total", {"platform": "telegram", "outcome": "sent"}),
            ("soiree_send_latency_seconds_count", {"platform": "telegram"}),
            ("soiree_outbox_depth", {"platform": "slack"}),  # waits: Slack is not running
        ]:
            await wait_for(scrape.reaches(name, 1, **labels), patience=30, what=name)
        health = await http.get(f"{base}/healthz", timeout=10)
        # The same body served twice by a server without ETags: skipped by its hash.
        feed.etags = False
        await wait_for(
            scrape.reaches("soiree_polls_total", 1, source="feed", outcome="hash_skip"),
            patience=30, what="a hash skip",
        )  # fmt: skip
        feed.etags = True
        # A 429 on the next alert: counted, with the wait it imposed, and the alert goes.
        tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 2",
                     parameters={"retry_after": 2}, chat_id=GROUP)  # fmt: skip
        feed.publish(votes(20, 300))
        for name, least, labels in [
            ("soiree_rate_limit_wait_seconds_count", 1, {"platform": "telegram"}),
            ("soiree_rate_limit_wait_seconds_sum", 2, {"platform": "telegram"}),
            ("soiree_sends_total", 1, {"platform": "telegram", "outcome": "rate_limited"}),
            ("soiree_sends_total", 2, {"platform": "telegram", "outcome": "sent"}),
            ("soiree_events_total", 1, {"kind": "reporting_threshold"}),
        ]:
            await wait_for(scrape.reaches(name, least, **labels), patience=30, what=name)
        # A failing feed: a failed poll, and the failures in a row said by /healthz.
        feed.script = [(500, b"down")] * 3
        await wait_for(
            scrape.reaches("soiree_polls_total", 1, source="feed", outcome="failed"),
            patience=30, what="a failed poll",
        )  # fmt: skip
        samples = await scrape()
    finally:
        await bot.stop()
    assert health.status_code == 200, health.text
    body = health.json()
    assert body["healthy"] is True
    assert body["status"] == "running"
    assert body["leader"] is True
    assert body["store"] == "ok"
    assert body["platforms"] == {"console": True, "telegram": True}
    assert body["outbox"]["by_platform"]["slack"] >= 1
    assert body["sources"]["feed"]["failures_in_a_row"] == 0
    assert body["sources"]["feed"]["last_success"] is not None
    assert scrape.content_type.startswith("text/plain")
    assert samples["soiree_healthy", frozenset()] == 1
    assert samples["soiree_platform_up", frozenset({("platform", "telegram")})] == 1
    assert samples["soiree_feed_staleness_seconds", frozenset({("source", "feed")})] >= 0
    assert texts(tg, GROUP)  # the alerts went, the one refused with its 429 too


async def test_healthz_is_503_while_another_process_holds_the_store_locked(
    tmp_path: Path, feed: FeedServer, tg: FakeTelegram, http: httpx.AsyncClient
) -> None:
    feed.publish(votes(10, 50))
    bot = await Bot.start(config(tmp_path, feed.url), tg)
    try:
        base = await bot.served_at()
        await wait_for(lambda: texts(tg, GROUP), patience=30, what="the first alert")
        before = await http.get(f"{base}/healthz", timeout=10)
        # Another process (this test) holds the database's write lock, as a long
        # transaction or a backup tool does: the bot's writes wait, and so does the check.
        holder = sqlite3.connect(tmp_path / "soiree.db", timeout=10, isolation_level=None)
        with contextlib.closing(holder):
            holder.execute("BEGIN IMMEDIATE")
            locked = await http.get(f"{base}/healthz", timeout=10)
            scraped = await Scrape(http, base)()
            holder.execute("ROLLBACK")

        async def healthy() -> bool:
            return (await http.get(f"{base}/healthz", timeout=10)).status_code == 200

        await wait_for(healthy, patience=30, what="healthy again")
    finally:
        await bot.stop()
    assert before.status_code == 200
    assert locked.status_code == 503, locked.text
    assert locked.json()["store"] == f"no answer within {STORE_PATIENCE:g} s"
    assert locked.elapsed.total_seconds() < STORE_PATIENCE + 1.5
    assert scraped["soiree_healthy", frozenset()] == 0  # /metrics still answers, and says so


async def test_healthz_is_503_while_the_store_cannot_write(
    tmp_path: Path, feed: FeedServer, tg: FakeTelegram, http: httpx.AsyncClient
) -> None:
    feed.publish(votes(10, 50))
    bot = await Bot.start(config(tmp_path, feed.url), tg)
    try:
        base = await bot.served_at()
        await wait_for(lambda: texts(tg, GROUP), patience=30, what="the first alert")
        bot.limit(NO_ROOM)  # the disk is full from now on
        full = await http.get(f"{base}/healthz", timeout=10)
        bot.limit(UNLIMITED)

        async def healthy() -> bool:
            return (await http.get(f"{base}/healthz", timeout=10)).status_code == 200

        await wait_for(healthy, patience=30, what="healthy again")
    finally:
        await bot.stop()
    assert full.status_code == 503, full.text
    body = full.json()
    assert body["healthy"] is False
    assert body["store"].startswith("unavailable: ")
    assert body["outbox"] is not None  # it still reads


async def test_slack_http_mode_shares_its_server_with_the_endpoints(
    tmp_path: Path, feed: FeedServer, tg: FakeTelegram, http: httpx.AsyncClient
) -> None:
    slack = FakeSlack()
    await slack.start()
    feed.publish(votes(10, 50))
    bot = await Bot.start(config(tmp_path, feed.url), tg, slack)
    try:
        base = await bot.served_at(re.compile(r"slack: serving slash commands at ([\d.]+:\d+)"))

        async def all_up() -> httpx.Response | None:
            health = await http.get(f"{base}/healthz", timeout=10)
            return health if all(health.json()["platforms"].values()) else None

        await wait_for(all_up, patience=30, what="Telegram up too")
        health = await http.get(f"{base}/healthz", timeout=10)
        scraped = await Scrape(http, base)()
        unsigned = await http.post(f"{base}/slack/events", content=b"x", timeout=10)
    finally:
        await bot.stop()
        await slack.stop()
    assert health.status_code == 200, health.text
    assert health.json()["platforms"] == {"console": True, "telegram": True, "slack": True}
    assert scraped["soiree_platform_up", frozenset({("platform", "slack")})] == 1
    assert unsigned.status_code == 401  # Slack's endpoint is as it was
    assert not any("serving /healthz and /metrics at" in line for line in bot.lines)


async def test_a_bot_whose_loop_is_stuck_answers_503_from_its_own_thread(tmp_path: Path) -> None:
    async with Night(tmp_path, env={"PORT": "0", "SLACK_HTTP_HOST": "127.0.0.1"}) as night:
        assert night.app.server is not None
        url = f"http://127.0.0.1:{night.app.server.port}/healthz"
        answered = threading.Event()

        def ask() -> httpx.Response:
            try:
                return httpx.get(url, timeout=10, trust_env=False)
            finally:
                answered.set()

        loop = asyncio.get_running_loop()
        response = loop.run_in_executor(None, ask)
        # A callback that holds the loop until the answer came: the bot's loop is stuck.
        loop.call_soon(answered.wait, 10)
        stuck = await response
        after = await asyncio.to_thread(httpx.get, url, timeout=10, trust_env=False)
    assert stuck.status_code == 503
    assert stuck.json() == {"healthy": False, "loop": "the bot's loop did not answer within 1 s"}
    assert after.status_code == 200


async def test_a_port_taken_is_logged_and_the_bot_runs_without_the_endpoints(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {"PORT": str(taken.getsockname()[1]), "SLACK_HTTP_HOST": "127.0.0.1"}
        async with Night(tmp_path, env=env) as night:
            night.publish(10, {"hamon": 600, "valls": 400}, counted=50)
            await wait_for(lambda: "Hamon" in night.out.getvalue(), what="an alert")
    assert night.app.server is None
    assert any("cannot serve /healthz and /metrics" in r.getMessage() for r in caplog.records)


async def test_without_port_nothing_is_served(tmp_path: Path) -> None:
    async with Night(tmp_path, env={}) as night:
        assert night.app.server is None
        assert json.loads(json.dumps((await night.app.checkup.check()).body()))["healthy"]
