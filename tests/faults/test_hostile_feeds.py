"""Hostile feed servers against the real process (`python -m bot run`) and the fake
Telegram: bodies that drip a byte at a time, and decompression bombs. The bot gives up on
them within its limits, keeps reading its other sources and stops promptly."""

from __future__ import annotations

import asyncio
import signal
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.builders import feed_bytes
from tests.fakes.telegram import FakeTelegram
from tests.faults.support import night_config
from tests.faults.support import texts as sent
from tests.feedserver import FeedServer
from tests.support import start_bot, wait_for

GROUP = -3001
GOOD = feed_bytes(10, {"hamon": 600, "valls": 400}, counted=50)
NEXT = feed_bytes(30, {"hamon": 3050, "valls": 1950}, counted=300)
DRIP = 0.3  # seconds between two bytes of a dripping body: GOOD would take minutes


@pytest.fixture
async def dripping() -> AsyncIterator[FeedServer]:
    """A second feed server, whose every body drips out a byte at a time."""
    server = FeedServer(drip=DRIP)
    server.publish(GOOD)
    await server.start()
    yield server
    await server.stop()


def config(tmp_path: Path, sources: dict[str, str], *, timeout: float, max_bytes: int) -> Path:
    """Write a config polling each of `sources` (id: URL) quickly, alerts to one group."""
    keys = {"timeout": timeout, "max_bytes": max_bytes}
    return night_config(tmp_path, sources, groups=[GROUP], keys=keys)


def texts(tg: FakeTelegram) -> list[str]:
    return sent(tg, GROUP)


def peak_rss_mb(pid: int) -> float:
    """Return the high-water mark of a process's resident set (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


async def stop(proc: asyncio.subprocess.Process) -> float:
    """SIGTERM the bot; return the seconds it took to exit (killed after 30 s)."""
    if proc.returncode is not None:
        return 0.0
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), 30)
    except TimeoutError:
        proc.kill()
        await proc.wait()
    return time.monotonic() - started


async def both_dripping(dripping: FeedServer) -> None:
    """Wait until each dripping source has a request open (so each has taken its turn)."""
    await wait_for(
        lambda: {"/feed.json"} == {h.path for h in dripping.hits} and len(dripping.hits) >= 2,
        patience=30,
        what="both dripping sources connected",
    )


async def test_dripping_bodies_time_out_and_the_other_source_is_announced(
    tmp_path: Path, feed: FeedServer, dripping: FeedServer, tg: FakeTelegram
) -> None:
    # Two bodies dripping a byte at a time took both turns, and a third source was never
    # read; httpx's timeout bounded each read, not the request.
    feed.script.extend([(404, b"<html>not yet</html>")] * 100_000)  # published later
    sources = {"drip-a": dripping.url + "?a", "drip-b": dripping.url + "?b", "good": feed.url}
    log = tmp_path / "bot.log"
    proc = await start_bot(config(tmp_path, sources, timeout=1.5, max_bytes=4000), tg, log)
    try:
        await both_dripping(dripping)
        feed.script.clear()
        feed.publish(GOOD)
        await wait_for(lambda: texts(tg), patience=30, what="the good source's alert")
        for sid in ("drip-a", "drip-b"):
            await wait_for(
                lambda sid=sid: f"source {sid} is failing: " in log.read_text(encoding="utf-8"),
                patience=30,
                what=f"{sid} failing",
            )
        feed.publish(NEXT)
        await wait_for(lambda: any("25%" in t for t in texts(tg)), patience=30, what="more")
    finally:
        await stop(proc)
    text = log.read_text(encoding="utf-8")
    assert texts(tg)[0].startswith("<b>First results — Primaire</b>")
    for sid in ("drip-a", "drip-b"):
        line = next(ln for ln in text.splitlines() if f"source {sid} is failing: " in ln)
        assert line.endswith("/feed.json: timed out after 1.5 s"), line
    assert "Traceback" not in text


async def test_sigterm_during_dripping_bodies_exits_within_10_s(
    tmp_path: Path, feed: FeedServer, dripping: FeedServer, tg: FakeTelegram
) -> None:
    # A long timeout, so that only stop() cutting the fetches short ends them: the bot used
    # to wait for every running poll, and a dripping body kept it up 80 s.
    feed.publish(GOOD)
    dripping.script.extend([(404, b"<html>not yet</html>")] * 100_000)  # published later
    sources = {"drip-a": dripping.url + "?a", "drip-b": dripping.url + "?b", "good": feed.url}
    log = tmp_path / "bot.log"
    proc = await start_bot(config(tmp_path, sources, timeout=300, max_bytes=4000), tg, log)
    try:
        await wait_for(lambda: texts(tg), patience=30, what="the good source's alert")
        hits = len(dripping.hits)
        dripping.script.clear()
        await wait_for(
            lambda: sum(h.status == 200 for h in dripping.hits[hits:]) >= 2,
            patience=30,
            what="both sources dripping",
        )
    finally:
        took = await stop(proc)
    print(f"SIGTERM with two bodies dripping: exited in {took:.2f} s")
    assert took < 10
    assert proc.returncode in (0, -signal.SIGTERM)  # not killed
    assert "Traceback" not in log.read_text(encoding="utf-8")


def gzipped(chunks: Iterator[bytes], level: int) -> Iterator[bytes]:
    packer = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    for chunk in chunks:
        yield packer.compress(chunk)
    yield packer.flush()


def bomb(size_mb: int) -> bytes:
    """Return `size_mb` MB of zeros gzipped twice (a few kB), built a megabyte at a time."""
    zeros = bytes(1 << 20)
    return b"".join(gzipped(gzipped((zeros for _ in range(size_mb)), 1), 9))


async def test_a_gzip_bomb_is_refused_at_the_cap_in_little_memory(
    tmp_path: Path, feed: FeedServer, tg: FakeTelegram
) -> None:
    # 3,477 bytes of "Content-Encoding: gzip, gzip" took the bot to 4.2 GB: httpx decoded
    # each chunk whole before the cap could look at it.
    payload = await asyncio.to_thread(bomb, 512)
    assert len(payload) < 20_000
    feed.publish(GOOD)
    log = tmp_path / "bot.log"
    proc = await start_bot(
        config(tmp_path, {"feed": feed.url}, timeout=5, max_bytes=100_000), tg, log
    )
    try:
        await wait_for(lambda: texts(tg), patience=30, what="the first alert")
        feed.encoding = "gzip, gzip"
        feed.publish(payload)
        await wait_for(
            lambda: "over the 100000-byte cap" in log.read_text(encoding="utf-8"),
            patience=30,
            what="the bomb refused",
        )
        assert proc.returncode is None  # alive
        peak = peak_rss_mb(proc.pid)
        tg.push_command("/results", chat_id=GROUP)
        await wait_for(lambda: len(texts(tg)) >= 2, patience=30, what="the reply")
        feed.encoding = None
        feed.publish(NEXT)
        await wait_for(lambda: any("25%" in t for t in texts(tg)), patience=30, what="next")
    finally:
        await stop(proc)
    print(f"gzip bomb of 512 MB in {len(payload):,} bytes: bot's peak RSS {peak:.0f} MB")
    assert peak < 200  # the bot alone is about 100 MB; the bomb would add 512 MB
    line = next(ln for ln in log.read_text(encoding="utf-8").splitlines() if "cap" in ln)
    assert line.endswith("/feed.json: body over the 100000-byte cap once decoded (gzip, gzip)")
    assert "Hamon: 60.00% (600 votes)" in texts(tg)[1]  # the last good figures serve
