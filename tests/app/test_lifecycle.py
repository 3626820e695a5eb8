"""The app's lifecycle: start() opens what the builder made (the lock, the store, the chats
of the config, the adapters, with retries), stop() closes it; run() brackets both."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
from pathlib import Path

import pytest

from bot.adapters.base import Limits, Pacer
from bot.app import App, Options, run
from bot.app.lifecycle import seed_subscriptions
from bot.config import Config, load
from bot.lock import AlreadyRunning, InstanceLock
from bot.render.message import Message
from bot.store import StoreUnavailable, Subscription, open_store
from tests.support import wait_for, write_config

CHATS = """
[[chats]]
platform = "telegram"
id = "-100"
races = ["national", "dep-01"]
locale = "fr"
admin = true
"""


class Flaky:
    """A platform whose first start fails, and whose next one works."""

    platform = "flaky"
    limits = Limits()
    pacer = Pacer(0.0)

    def __init__(self) -> None:
        self.starts, self.stops = 0, 0

    async def start(self) -> None:
        self.starts += 1
        if self.starts == 1:
            raise ConnectionError("no route to flaky")

    async def stop(self) -> None:
        self.stops += 1

    async def send(self, chat_id: str, message: Message) -> None:
        raise AssertionError("nothing is sent to flaky")

    async def post(self, chat_id: str, message: Message) -> str:
        raise AssertionError("no board on flaky")

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        raise AssertionError("no board on flaky")

    async def pin(self, chat_id: str, message_id: str) -> bool:
        return False

    async def unpin(self, chat_id: str, message_id: str) -> None:
        """Nothing pinned."""


def config_in(tmp_path: Path) -> Config:
    return load(write_config(tmp_path, "file:feed.json", extra=CHATS))


def app_in(tmp_path: Path) -> App:
    return App(config_in(tmp_path), Options(out=io.StringIO(), interactive=False, env={}))


async def test_start_opens_the_store_with_the_configs_chats_and_stop_closes_it(tmp_path):
    app = app_in(tmp_path)
    await app.start()
    try:
        subs = await app.store.subscriptions()
        assert sorted((s.platform, s.chat_id, s.race, s.locale) for s in subs) == [
            ("console", "console", "*", "en"),
            ("telegram", "-100", "dep-01", "fr"),
            ("telegram", "-100", "national", "fr"),
        ]
        # The admin chats are the config's (and the console), whatever they follow.
        assert app.commands.admins.locales == {("console", "console"): "en",
                                               ("telegram", "-100"): "fr"}  # fmt: skip
        assert app.jobs.scheduler.running
        assert app.jobs.has("dispatch")
        assert app.jobs.has("poll:feed")
    finally:
        await app.stop()
    assert not app.jobs.scheduler.running
    lock = InstanceLock(tmp_path / "soiree.db")
    lock.acquire()  # released by stop()
    lock.release()


async def test_a_second_app_on_the_same_store_refuses_to_start(tmp_path: Path) -> None:
    first = app_in(tmp_path)
    await first.start()
    try:
        second = app_in(tmp_path)
        with pytest.raises(AlreadyRunning, match=rf"another Soirée \(pid {os.getpid()}\)"):
            await second.start()
        await second.stop()  # stopping what never started closes what was made, nothing else
        assert await first.store.subscriptions("console")  # the first one runs on
    finally:
        await first.stop()


async def test_an_adapter_that_fails_to_start_is_retried_until_it_starts(tmp_path, caplog):
    app = app_in(tmp_path)
    flaky = Flaky()
    app.parts.platforms["flaky"] = flaky
    await app.start()
    try:
        assert "flaky" not in app.adapters  # its messages stay queued meanwhile
        assert flaky.stops == 1  # what it opened is closed before the retry
        assert app.jobs.has("start:flaky")
        app.jobs.run_now("start:flaky")  # rather than wait the minute
        await wait_for(lambda: "flaky" in app.adapters, what="the retry")
        assert not app.jobs.has("start:flaky")
    finally:
        await app.stop()
    assert "flaky adapter did not start (no route to flaky); retrying every minute" in caplog.text
    assert "flaky adapter started after all" in caplog.text
    assert flaky.stops == 2  # and stopped with the app


async def test_the_console_keeps_the_subscriptions_it_chose(tmp_path: Path) -> None:
    store = await open_store(":memory:")
    try:
        await store.subscribe(
            Subscription(platform="console", chat_id="console", race="national", locale="fr")
        )
        await seed_subscriptions(store, config_in(tmp_path))
        console = await store.subscriptions("console", "console")
        assert [(s.race, s.locale) for s in console] == [("national", "fr")]
    finally:
        await store.close()


async def test_run_starts_and_stops_the_app_when_told(tmp_path: Path) -> None:
    out, stop = io.StringIO(), asyncio.Event()
    (tmp_path / "feed.json").write_text("{", encoding="utf-8")  # a broken version, rejected
    task = asyncio.create_task(
        run(config_in(tmp_path), Options(out=out, interactive=False, env={}), stop)
    )
    await wait_for(lambda: (tmp_path / "soiree.db.lock").exists(), what="the lock taken")
    stop.set()
    await asyncio.wait_for(task, 30)
    lock = InstanceLock(tmp_path / "soiree.db")
    lock.acquire()  # released
    lock.release()


async def test_a_store_whose_folder_cannot_be_made_is_store_unavailable_naming_it(tmp_path):
    (tmp_path / "afile").write_text("a file, not a folder", encoding="utf-8")
    config = dataclasses.replace(config_in(tmp_path), db=tmp_path / "afile" / "soiree.db")
    app = App(config, Options(out=io.StringIO(), interactive=False, env={}))
    with pytest.raises(StoreUnavailable, match=r"cannot open the store .*afile/soiree\.db: "):
        await app.start()
    await app.stop()
