"""Heavy feeds against the real process (`python -m bot run`), real feed servers, the fake
Telegram and Slack in HTTP mode: a Clarity zip whose member inflates past the source's
max_bytes is refused naming the cap, within bounded memory, and while a large legal version
is parsed, diffed and stored, signed Slack commands are acknowledged well within Slack's 3 s."""

from __future__ import annotations

import asyncio
import io
import sqlite3
import time
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bench.feeds import Country, canonical_country
from tests.builders import feed_bytes
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import FakeTelegram
from tests.feedserver import FeedServer
from tests.support import (
    post,
    processed,
    signed,
    slack_events_url,
    slash,
    start_bot,
    wait_for,
)

CAP = 1_000_000  # the Clarity source's max_bytes
ACK_WITHIN = 1.5  # seconds; Slack gives up after 3
COUNTRY = Country(communes=12_000)  # one canonical document of 11 MB: seconds to process


def clarity_bomb(precincts: int) -> bytes:
    """Return a Clarity zip of one contest whose votes list `precincts` identical places:
    30 bytes of XML each, deflated a thousand times over."""
    head = (
        b'<?xml version="1.0"?>\n<ElectionResult><Timestamp>11/5/2024 10:42:17 PM EST'
        b"</Timestamp><ElectionName>Bomb</ElectionName><Region>KY</Region>"
        b'<Contest key="1" text="Senate" voteFor="1" precinctsReporting="1" '
        b'precinctsReported="1"><Choice key="1" text="A" totalVotes="1">'
        b'<VoteType name="Election Day" votes="1">'
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("detail.xml", "w", force_zip64=True) as member,
    ):
        member.write(head)
        block = b'<Precinct name="p" votes="1"/>' * 10_000
        for _ in range(precincts // 10_000):
            member.write(block)
        member.write(b"</VoteType></Choice></Contest></ElectionResult>")
    return out.getvalue()


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeTelegram, FakeSlack, FeedServer]]:
    tg, slack, bombs = FakeTelegram(), FakeSlack(), FeedServer()
    for fake in (tg, slack, bombs):
        await fake.start()
    yield tg, slack, bombs
    for fake in (tg, slack, bombs):
        await fake.stop()


def config(tmp_path: Path, bombs: str, big: str) -> Path:
    path = tmp_path / "soiree.toml"
    path.write_text(
        f"""
locale = "en"
db = "soiree.db"
main_races = ["C01001"]
dispatch_interval = 0.05

[charts]
send_with = []

[[sources]]
id = "clarity"
format = "clarity-xml"
url = "{bombs}"
interval = 0.1
timeout = 10
max_bytes = {CAP}

[[sources]]
id = "big"
url = "{big}"
interval = 0.1
timeout = 10
max_bytes = 30000000
""",
        encoding="utf-8",
    )
    return path


def versions(db: Path, source: str) -> int:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT count(*) FROM snapshots WHERE source=?", (source,)).fetchone()
    return int(row[0])


def peak_rss_mb(pid: int) -> float:
    """Return a process's peak resident memory (VmHWM) in MB."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    line = next(ln for ln in status.splitlines() if ln.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


class Pinger:
    """Sends a signed /results every `every` s and keeps each acknowledgement's delay."""

    def __init__(self, url: str, slack: FakeSlack, every: float = 0.1) -> None:
        self.url, self.slack, self.every = url, slack, every
        self.acks: list[tuple[float, int]] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            body, headers = signed(slash(self.slack, "/results"))
            start = time.monotonic()
            try:
                status = (await post(self.url, body, headers)).status_code
            except httpx.HTTPError:  # no answer within httpx's 5 s: Slack gave up long ago
                status = 0
            self.acks.append((time.monotonic() - start, status))
            await asyncio.sleep(self.every)

    def __enter__(self) -> Pinger:
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()


async def test_a_zip_bomb_is_refused_and_commands_are_answered_while_a_large_version_is_read(
    tmp_path: Path, feed: FeedServer, fakes: tuple[FakeTelegram, FakeSlack, FeedServer]
) -> None:
    tg, slack, bombs = fakes
    bomb = clarity_bomb(2_000_000)  # 60 MB of XML in a zip of 146 kB
    size = zipfile.ZipFile(io.BytesIO(bomb)).getinfo("detail.xml").file_size
    bombs.publish(bomb)
    feed.publish(feed_bytes(10, {"hamon": 600, "valls": 400}, counted=50))
    large = canonical_country(COUNTRY)  # made before the bot runs: it takes seconds
    db, log = tmp_path / "soiree.db", tmp_path / "bot.log"
    proc = await start_bot(config(tmp_path, bombs.url, feed.url), tg, log, slack=slack)
    try:
        url = await slack_events_url(log)
        refused = f"(zip)/detail.xml = '{size} bytes': more than {CAP} (max_bytes) once unpacked"
        await wait_for(lambda: refused in log.read_text(), patience=30, what="the bomb refused")
        await wait_for(lambda: versions(db, "big") == 1, patience=30, what="the small version")
        after_bomb = peak_rss_mb(proc.pid)
        with Pinger(url, slack) as pinger:
            started = time.monotonic()
            await processed(feed, large)
            took = time.monotonic() - started
            acks = list(pinger.acks)
        assert versions(db, "big") == 2
        await wait_for(lambda: len(slack.responses) >= len(acks), patience=60, what="replies")
    finally:
        proc.terminate()
        await proc.wait()
    delays = sorted(delay for delay, _ in acks)
    print(
        f"\nbomb refused at a peak RSS of {after_bomb:.0f} MB; a version of {len(large):,} bytes "
        f"processed in {took:.1f} s; {len(acks)} /results acknowledged meanwhile, slowest "
        f"{delays[-1]:.2f} s, median {delays[len(delays) // 2]:.3f} s"
    )
    assert after_bomb < 250  # the bomb inflated would have taken gigabytes
    assert took > 1.0  # a heavy version indeed
    assert len(acks) >= 10
    assert {status for _, status in acks} == {200}
    assert delays[-1] < ACK_WITHIN
    assert "Traceback" not in log.read_text()
