"""Staleness: one notice when a source goes silent in the results window, one on recovery."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import App, Options
from bot.audience import AdminChats
from bot.config import load
from bot.display import Display
from bot.pipeline import Pipeline
from bot.poller import Poller
from bot.rules import Rules
from bot.sources.files import FileSource
from bot.staleness import StaleNotices, StaleWatch
from bot.store import Store, Subscription, open_store
from tests.builders import at, feed_doc
from tests.support import wait_for, write_config

PARIS = ZoneInfo("Europe/Paris")  # at(0) is 19:30 there


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


# --- StaleNotices: the admin chats hear of it ----------------------------------------------


async def notices_over(
    store: Store, clock: list[datetime]
) -> tuple[StaleNotices, Poller, list[str]]:
    """Return notices watching one file source (stale after 10 min), over chats in `store`."""
    for platform, chat, locale in (("console", "console", "en"), ("slack", "C1", "fr"),
                                   ("telegram", "-1", "en")):  # fmt: skip
        sub = Subscription(platform=platform, chat_id=chat, race="*", locale=locale)
        await store.subscribe(sub)
    # The config's admin chats; C1's subscription sets its language (French).
    admins = AdminChats({("console", "console"): "en", ("slack", "C1"): "en"})
    pipeline = Pipeline(store, Rules(), Display(locale="en", tz=UTC), lambda: clock[0])
    poller = Poller(source_id="feed", fmt="canonical-json", source=FileSource(Path("f.json")),
                    pipeline=pipeline, interval=1, clock=lambda: clock[0])  # fmt: skip
    unwatched = Poller(source_id="other", fmt="canonical-json", source=FileSource(Path("g.json")),
                       pipeline=pipeline, interval=1, clock=lambda: clock[0])  # fmt: skip
    woken: list[str] = []
    watch = StaleWatch(stale_after=timedelta(minutes=10), since=at(0))
    notices = StaleNotices(
        store, [poller, unwatched], {"feed": watch}, every=1.0, tz=PARIS,
        clock=lambda: clock[0], wake=lambda: woken.append("dispatch"), admins=admins,
    )  # fmt: skip
    return notices, poller, woken


async def test_notices_go_to_the_admin_chats_once_stale_and_once_recovered(caplog) -> None:
    store = await open_store(":memory:")
    try:
        clock = [at(5)]
        notices, poller, woken = await notices_over(store, clock)
        await notices.check()
        assert await store.outbox_counts() == {}  # not silent long enough
        clock[0] = at(12)
        poller.status.last_error = "HTTP 503"
        await notices.check()
        due = await store.due(at(100))
        assert [(d.platform, d.chat_id) for d in due] == [("console", "console"), ("slack", "C1")]
        assert {d.event_key for d in due} == {f"stale:feed:{at(12).isoformat()}"}
        assert due[0].message.text == "⚠ Source feed silent since 19:30 (12 min): HTTP 503"
        assert due[1].message.text.startswith("⚠ Source feed")  # in French, for Slack
        assert "HTTP 503" in due[1].message.text
        assert woken == ["dispatch"]
        clock[0] = at(20)
        await notices.check()  # still stale: no second notice
        assert woken == ["dispatch"]
        poller.status.last_change = at(21)
        clock[0] = at(22)
        await notices.check()
        back = [d for d in await store.due(at(100)) if d.event_key.startswith("recovered:")]
        assert [d.message.text for d in back if d.platform == "console"] == [
            "✓ Source feed is updating again (data as of 19:52)."
        ]
        assert len(back) == 2
        assert woken == ["dispatch", "dispatch"]
    finally:
        await store.close()
    assert "source feed is stale" in caplog.text
    assert "source feed recovered" in caplog.text
    assert "source other" not in caplog.text  # no watch, no notice


async def test_a_silent_source_without_an_error_is_said_unchanged() -> None:
    store = await open_store(":memory:")
    try:
        clock = [at(15)]
        notices, _, _ = await notices_over(store, clock)
        await notices.check()
        console = [d for d in await store.due(at(100)) if d.platform == "console"]
        assert (
            console[0].message.text == "⚠ Source feed silent since 19:30 (15 min): no new version"
        )
    finally:
        await store.close()
