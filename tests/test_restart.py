"""Restarts: stop mid-night, start again on the same store; nothing twice, nothing lost."""

from __future__ import annotations

import io
from pathlib import Path

import httpx

from bot.app import App, Options
from bot.config import load
from tests.builders import feed_bytes
from tests.feedserver import FeedServer
from tests.support import wait_for, write_config

HEADLINES = ("First results", "25% of polling stations", "75% of polling stations")


async def pending(app: App) -> int:
    return (await app.store.outbox_counts()).get("pending", 0)


async def test_restart_sends_what_was_due_and_repeats_nothing(
    tmp_path: Path, feed: FeedServer, http: httpx.AsyncClient
):
    config = load(write_config(tmp_path, feed.url))
    out1, out2 = io.StringIO(), io.StringIO()

    # First life: facts are recorded and queued, but the process stops before sending.
    feed.publish(feed_bytes(10, {"hamon": 60, "valls": 40}, counted=50))
    app = App(config, Options(out=out1, interactive=False, http_client=http, paused=True))
    await app.start()
    await wait_for(lambda: _ge(pending(app), 1), what="first results queued")
    feed.publish(feed_bytes(20, {"hamon": 290, "valls": 210}, counted=300))
    await wait_for(lambda: _ge(pending(app), 2), what="25% queued")
    await app.stop()
    assert out1.getvalue() == ""

    # Second life, same store: the same version is served again, then a newer one.
    app = App(config, Options(out=out2, interactive=False, http_client=http))
    await app.start()
    try:
        await wait_for(lambda: "25% of polling stations" in out2.getvalue(), what="resent 25%")
        feed.publish(feed_bytes(30, {"hamon": 470, "valls": 330}, counted=800))
        await wait_for(lambda: "75% of polling stations" in out2.getvalue(), what="75%")
        await wait_for(lambda: _eq(pending(app), 0), what="drained")
        hits = len(feed.hits)
        await wait_for(lambda: len(feed.hits) > hits + 3, what="more polls")
    finally:
        await app.stop()
    text = out2.getvalue()
    for headline in HEADLINES:
        assert text.count(headline) == 1, headline
    keys = [k for k, _ in await _ledger(config)]
    assert len(keys) == len(set(keys))


async def _ge(value, n: int) -> bool:
    return (await value) >= n


async def _eq(value, n: int) -> bool:
    return (await value) == n


async def _ledger(config):
    from bot.store import open_store

    store = await open_store(str(config.db))
    try:
        return await store.ledger()
    finally:
        await store.close()
