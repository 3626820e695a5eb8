"""One race from two sources against the real process (`python -m bot run`), two real feed
servers and the fake Telegram: a source behind the other never takes the race back in time
(`/results` serves the newest figures, nothing of the older version is announced), and two
sources giving different figures at one data time is told to the admin chat, naming both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.builders import feed_bytes
from tests.fakes.telegram import FakeTelegram
from tests.faults.support import night_config, texts
from tests.feedserver import FeedServer
from tests.support import processed, start_bot, wait_for

GROUP, ADMIN = -6001, -6999
A_AT_21 = feed_bytes(90, {"hamon": 3050, "valls": 1950}, counted=300)  # 21:00: Hamon 61 %
B_AT_20 = feed_bytes(30, {"hamon": 400, "valls": 600}, counted=100)  # 20:00: Valls ahead
B_AT_21 = feed_bytes(90, {"hamon": 3000, "valls": 2000}, counted=300)  # 21:00, other figures


@pytest.fixture
async def other() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    yield server
    await server.stop()


def config(tmp_path: Path, a: str, b: str) -> Path:
    return night_config(tmp_path, {"a": a, "b": b}, groups=[GROUP], admins=[ADMIN])


async def results(tg: FakeTelegram) -> str:
    """Ask /results in the group; return the reply."""
    before = len(texts(tg, GROUP))
    tg.push_command("/results", chat_id=GROUP)
    await wait_for(lambda: len(texts(tg, GROUP)) > before, patience=20, what="the reply")
    return texts(tg, GROUP)[-1]


async def test_a_source_behind_another_never_takes_a_race_back_in_time(
    tmp_path: Path, feed: FeedServer, other: FeedServer, tg: FakeTelegram
) -> None:
    feed.publish(A_AT_21)
    other.publish(b"")  # source b has nothing yet (refused once as empty)
    proc = await start_bot(config(tmp_path, feed.url, other.url), tg, tmp_path / "bot.log")
    try:
        await wait_for(lambda: texts(tg, GROUP), patience=30, what="a's alert")
        told = len(texts(tg, GROUP))
        await processed(other, B_AT_20, patience=30)
        behind = await results(tg)
        assert "Hamon: 61.00% (3,050 votes)" in behind, behind  # not b's 20:00 figures
        await processed(other, B_AT_21, patience=30)
        disagree = lambda: [t for t in texts(tg, ADMIN) if "Two sources disagree" in t]  # noqa: E731
        await wait_for(disagree, patience=30, what="the admins told")
        after = await results(tg)
    finally:
        proc.terminate()
        await proc.wait()
    for reply in (behind, after):  # a's 21:00 figures, not b's
        assert "Hamon: 61.00% (3,050 votes)" in reply, reply
        assert "300 of 1,000 stations" in reply
    group = texts(tg, GROUP)
    assert len(group) == told + 2  # the two replies: nothing of b was announced
    assert not any("600 votes" in t or "3,000 votes" in t for t in group)
    [notice] = disagree()
    assert "b and a give different figures for the same data time (21:00); a's stay served" in (
        notice
    )
    assert "Hamon: 60.00% (3,000 votes)" in notice  # b's figures, shown to the admins only
