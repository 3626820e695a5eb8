"""Admin controls from an admin chat: pause, resume, status, announce; staging mode."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import pytest

from bot.admin import Admin, AdminControls, SourceView
from bot.app import App, Options
from bot.app.leadership import Leadership, LeaseTimes
from bot.commands import Request
from bot.config import load
from bot.display import Display
from bot.pipeline import Pipeline
from bot.poller import Poller
from bot.render.text import Renderer, Style
from bot.rules import Rules
from bot.sources.files import FileSource
from bot.store import Store, StoreUnavailable, open_store
from tests.builders import at, feed_doc
from tests.postgres import Server
from tests.store.backends import fill_up, make_room
from tests.support import wait_for, write_config

SLACK_CHAT = '\n[[chats]]\nplatform = "slack"\nid = "C1"\n'


def make(tmp_path: Path, **options: object) -> tuple[App, io.StringIO, Path]:
    out = io.StringIO()
    config = load(write_config(tmp_path, "file:feed.json", extra=SLACK_CHAT))
    app = App(config, Options(out=out, interactive=False, env={}, **options))  # type: ignore[arg-type]
    return app, out, tmp_path / "feed.json"


async def say(app: App, text: str, platform: str = "console", chat: str = "console") -> str:
    reply = await app.commands.handle(Request(platform=platform, chat_id=chat, text=text))
    assert reply is not None
    return reply.text


def publish(feed: Path, minutes: int, votes: dict[str, int], **kw: object) -> None:
    feed.write_text(json.dumps(feed_doc(minutes, votes, **kw)), encoding="utf-8")  # type: ignore[arg-type]


async def test_admin_commands_are_refused_outside_admin_chats(tmp_path: Path) -> None:
    app, _, _ = make(tmp_path)
    await app.start()
    try:
        for command in ("/pause", "/status", "/announce hello"):
            assert await say(app, command, "slack", "C1") == "This command is for admin chats only."
        assert not app.controls.paused
        assert (await app.store.outbox_counts()) == {}
    finally:
        await app.stop()


async def test_pause_holds_announcements_across_a_restart_and_resume_sends_them(tmp_path):
    app, out, feed = make(tmp_path)
    await app.start()
    try:
        assert (await say(app, "/pause")).startswith("⏸")
        publish(feed, 10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: app.pollers[0].status.last_change, what="the version read")

        async def queued() -> bool:
            return (await app.store.outbox_counts()).get("pending", 0) >= 1

        await wait_for(queued, what="the alert queued")
        status = await say(app, "/status")
        assert "Soirée paused" in status
        assert "Source feed: last fetch" in status
        assert "First results" not in out.getvalue()
        assert "Primaire" in await say(app, "/results")  # commands still answer
        slack = await app.store.due(at(0).replace(year=2100), platforms=("slack",))
        assert [d.event_key for d in slack] == ["national:first_results"]  # not staging
    finally:
        await app.stop()
    app, out, _ = make(tmp_path)
    await app.start()
    try:
        assert app.controls.paused  # kept in the store
        assert (await say(app, "/resume")).startswith("▶ Announcements resumed (")
        await wait_for(lambda: "First results" in out.getvalue(), what="the held alert")
    finally:
        await app.stop()


async def test_announce_reaches_every_subscribed_chat_escaped(tmp_path: Path) -> None:
    app, out, _ = make(tmp_path)
    await app.start()
    try:
        reply = await say(app, "/announce Résultats <b>officiels</b> & co à 22 h")
        assert reply == "Announcement queued for 2 chat(s)."
        await wait_for(lambda: "📣" in out.getvalue(), what="the console copy")
        rows = await app.store.due(at(0).replace(year=2100), platforms=("slack",))
        assert await say(app, "/announce") == "Usage: /announce <text>"
    finally:
        await app.stop()
    assert "📣 Résultats <b>officiels</b> & co à 22 h" in out.getvalue()
    assert len(rows) == 1
    assert rows[0].message.text == "📣 Résultats &lt;b&gt;officiels&lt;/b&gt; &amp; co à 22 h"
    assert rows[0].message.blocks is not None


async def test_staging_sends_everything_to_admin_chats_only(tmp_path: Path) -> None:
    app, out, feed = make(tmp_path, staging=True)
    publish(feed, 10, {"hamon": 60, "valls": 40}, counted=50)
    await app.start()
    try:
        await wait_for(lambda: "First results" in out.getvalue(), what="the console copy")
        to_slack = await app.store.due(at(0).replace(year=2100), platforms=("slack",))
    finally:
        await app.stop()
    assert to_slack == []


# --- AdminControls: the running bot's side of the admin commands --------------------------


@dataclass
class Switch:
    """Holds announcements back while paused, as the dispatcher does."""

    paused: bool = False


def controls_over(store: Store, switch: Switch, running: dict[str, object]) -> tuple[
    AdminControls, list[str]
]:  # fmt: skip
    """Return controls over one file source's poller, and the list their wake-ups land in."""
    pipeline = Pipeline(store, Rules(), Display(locale="en", tz=UTC), lambda: at(0))
    poller = Poller(source_id="feed", fmt="canonical-json", source=FileSource(Path("f.json")),
                    pipeline=pipeline, interval=1, clock=lambda: at(0))  # fmt: skip
    poller.status.last_fetch, poller.status.failures, poller.status.last_error = at(3), 2, "boom"
    woken: list[str] = []
    controls = AdminControls(store, switch, [poller], running, clock=lambda: at(7),
                             wake=lambda: woken.append("dispatch"))  # fmt: skip
    return controls, woken


async def test_controls_pause_and_resume_keep_the_choice_in_the_store(caplog) -> None:
    store = await open_store(":memory:")
    try:
        switch = Switch()
        controls, woken = controls_over(store, switch, {})
        await controls.set_paused(True)
        assert switch.paused
        assert controls.paused
        assert await store.setting("paused") == "1"
        assert woken == []  # nothing to send while paused
        await controls.set_paused(False)
        assert not switch.paused
        assert await store.setting("paused") == "0"
        assert woken == ["dispatch"]  # what waited goes out now
    finally:
        await store.close()
    assert "announcements paused by an admin" in caplog.text
    assert "announcements resumed by an admin" in caplog.text


async def test_a_pause_the_store_cannot_keep_changes_nothing(caplog) -> None:
    store = await open_store(":memory:")
    try:
        switch = Switch()
        controls, _ = controls_over(store, switch, {})
        await fill_up(store)  # a real database with no room left
        with pytest.raises(StoreUnavailable):
            await controls.set_paused(True)
        assert not switch.paused  # made once stored, so not made
        await make_room(store)
        await controls.set_paused(True)
        assert switch.paused
    finally:
        await store.close()
    assert caplog.text.count("announcements paused by an admin") == 1


async def test_controls_restore_a_kept_pause_or_the_one_asked_for() -> None:
    store = await open_store(":memory:")
    try:
        switch = Switch()
        controls, _ = controls_over(store, switch, {})
        assert await controls.restore() is False  # nothing kept
        assert await controls.restore(paused=True) is True  # `--paused`-style option
        assert switch.paused
        await store.set_setting("paused", "1")
        assert await controls.restore() is True
        await store.set_setting("paused", "0")
        assert await controls.restore() is False
        assert not switch.paused
    finally:
        await store.close()


async def test_controls_show_the_sources_the_platforms_running_and_the_time() -> None:
    store = await open_store(":memory:")
    try:
        running: dict[str, object] = {"console": object()}
        controls, _ = controls_over(store, Switch(), running)
        assert controls.sources() == [
            SourceView(id="feed", last_fetch=at(3), last_change=None, failures=2,
                       last_error="boom")
        ]  # fmt: skip
        assert controls.platforms() == ["console"]
        running["telegram"] = object()  # an adapter that started late joins the mapping
        assert controls.platforms() == ["console", "telegram"]
        assert controls.now() == at(7)
    finally:
        await store.close()


async def test_status_says_which_instance_leads_the_others(postgres: Server) -> None:
    url = await postgres.fresh_database()
    stores = [await open_store(url), await open_store(url)]
    try:
        lead, standby = (Leadership(s, LeaseTimes(lease=30, renew=10, margin=5)) for s in stores)
        assert await lead.start()
        assert not await standby.start()
        replies = []
        for leadership, store in ((lead, stores[0]), (standby, stores[1])):
            controls, _ = controls_over(store, Switch(), {})
            admin = Admin(store, controls, leadership)
            for locale in ("en", "fr"):
                r = Renderer(Style(locale=locale, tz=UTC))
                replies.append((await admin.handle("status", [], "/status", r)).text)
        await lead.resign()
    finally:
        for store in stores:
            await store.close()
    assert "This instance leads (epoch 1)" in replies[0]
    assert "Cette instance mène (époque 1)" in replies[1]
    assert f"Standby; {stores[0].owner} leads" in replies[2]  # type: ignore[attr-defined]
    assert f"Instance de secours ; {stores[0].owner} mène" in replies[3]  # type: ignore[attr-defined]


async def test_status_of_the_one_instance_on_sqlite_says_nothing_of_leading() -> None:
    store = await open_store(":memory:")
    try:
        controls, _ = controls_over(store, Switch(), {})
        admin = Admin(store, controls, Leadership(None))
        text = (await admin.handle("status", [], "/status", Renderer(Style(tz=UTC)))).text
    finally:
        await store.close()
    assert "mène" not in text
