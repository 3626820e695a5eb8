"""End to end: a real HTTP feed, the real scheduler, the store, the outbox and the console."""

from __future__ import annotations

import io
from pathlib import Path

import httpx

from bot.app import App, Options
from bot.commands import Request
from bot.config import load
from tests.builders import feed_bytes
from tests.feedserver import FeedServer
from tests.support import wait_for, write_config


def make_app(config_path: Path, http: httpx.AsyncClient, out: io.StringIO) -> App:
    return App(load(config_path), Options(out=out, interactive=False, http_client=http))


async def test_night_end_to_end(tmp_path: Path, feed: FeedServer, http: httpx.AsyncClient):
    out = io.StringIO()
    feed.publish(feed_bytes(10, {"hamon": 60, "valls": 40}, counted=50))
    app = make_app(write_config(tmp_path, feed.url), http, out)
    await app.start()
    try:
        await wait_for(lambda: "First results" in out.getvalue(), what="first results")
        # The unchanged feed is re-polled with If-None-Match and answered 304.
        await wait_for(lambda: any(h.status == 304 for h in feed.hits), what="a 304")
        assert all(h.if_none_match == feed.etag for h in feed.hits if h.status == 304)

        feed.publish(feed_bytes(20, {"hamon": 590, "valls": 410}, counted=520))
        await wait_for(lambda: "50% of polling stations counted" in out.getvalue(), what="50%")

        # A broken version is rejected; the last good snapshot keeps serving.
        feed.publish(b'{"election": "test", "updated_at": "2017-01-29T20:00:00+01:00"')
        n_hits = len(feed.hits)
        await wait_for(lambda: len(feed.hits) > n_hits + 1, what="re-polls after the bad body")
        reply = await app.commands.handle(
            Request(platform="console", chat_id="console", text="/results")
        )
        assert reply is not None
        assert "Hamon: 59.00% (590 votes)" in reply.text
        assert "520 of 1,000 stations" in reply.text

        feed.publish(feed_bytes(30, {"hamon": 1190, "valls": 810}, counted=1000, final=True))
        await wait_for(lambda: "Final result" in out.getvalue(), what="final")

        async def drained() -> bool:
            return "pending" not in await app.store.outbox_counts()

        await wait_for(drained, what="an empty outbox")
        text = out.getvalue()
        for headline in (
            "First results",
            "50% of polling stations",
            "More than 1,000 voters",
            "Turnout up:",  # more voters than the previous round's total
            "Turnout up on the previous round",  # like for like (issue 15)
            "Final result",
        ):
            assert text.count(headline) == 1, headline
        counts = await app.store.outbox_counts()
        assert counts == {"sent": counts.get("sent", 0)}
        assert counts["sent"] >= 5
    finally:
        await app.stop()
