"""The real slack-bolt app and slack-sdk client against a strict fake Slack on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import open_store
from tests import support
from tests.fakes.slack import FakeSlack
from tests.support import SECRET, post, signed, slash, wait_for

CHANNELS = ["C01", "C02", "C03", "C04"]


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(scale=10)
    await fake.start()
    yield fake
    await fake.stop()


def channels(*ids: str, locale: str = "fr") -> str:
    return "".join(
        f'\n[[chats]]\nplatform = "slack"\nid = "{i}"\nlocale = "{locale}"\n' for i in ids
    )


class Night(support.Night):
    """The app with Slack (HTTP mode unless `socket`) pointed at the fake."""

    def __init__(self, tmp_path: Path, slack: FakeSlack, extra: str = "", socket: bool = False):
        env = {
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_API_BASE_URL": slack.api_url,
            "SLACK_HTTP_HOST": "127.0.0.1",
            "PORT": "0",
        }
        env |= {"SLACK_APP_TOKEN": slack.app_token} if socket else {"SLACK_SIGNING_SECRET": SECRET}
        super().__init__(tmp_path, env, extra)

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.app.adapters['slack'].port}/slack/events"  # type: ignore[attr-defined]


async def test_slash_command_is_acked_fast_and_answered_on_response_url(tmp_path, slack):
    async with Night(tmp_path, slack) as night:
        night.publish(10, {"hamon": 587, "valls": 413}, counted=600)
        await wait_for(lambda: "Hamon" in night.out.getvalue(), what="the console alert")
        body, headers = signed(slash(slack, "/results", "national"))
        started = time.monotonic()
        response = await post(night.events_url, body, headers)
        elapsed = time.monotonic() - started
        await wait_for(lambda: slack.responses, what="the response_url post")
    assert response.status_code == 200
    print(f"\nslash command acknowledged in {elapsed * 1000:.0f} ms")
    assert elapsed < 1.0
    rid, reply = slack.responses[0]
    assert rid == "C09"
    assert reply["response_type"] == "ephemeral"
    assert reply["blocks"][0]["text"]["text"] == "*Primaire*"
    assert "Hamon  58.70%  587" in reply["blocks"][1]["text"]["text"]
    assert reply["blocks"][-1]["type"] == "actions"  # the "post to channel" button
    assert "Hamon" in reply["text"]


async def test_public_flag_posts_in_channel(tmp_path, slack):
    async with Night(tmp_path, slack) as night:
        night.publish(10, {"hamon": 587, "valls": 413}, counted=600)
        await wait_for(lambda: "Hamon" in night.out.getvalue(), what="the console alert")
        body, headers = signed(slash(slack, "/turnout", "public"))
        assert (await post(night.events_url, body, headers)).status_code == 200
        await wait_for(lambda: slack.responses, what="the response_url post")
    reply = slack.responses[0][1]
    assert reply["response_type"] == "in_channel"
    assert "Voters: 1,000" in reply["blocks"][1]["text"]["text"]


@pytest.mark.parametrize(
    ("tamper", "age"),
    [("body", 0), ("secret", 0), ("none", 301)],
)
async def test_bad_or_stale_signature_gets_401(tmp_path, slack, tamper: str, age: int):
    async with Night(tmp_path, slack) as night:
        form = slash(slack, "/results")
        body, headers = signed(form, secret="wrong" if tamper == "secret" else SECRET, age=age)
        if tamper == "body":
            body = body.replace("results", "turnout")
        response = await post(night.events_url, body, headers)
    assert response.status_code == 401
    assert slack.responses == []


async def test_subscribe_from_a_channel(tmp_path, slack):
    async with Night(tmp_path, slack) as night:
        body, headers = signed(slash(slack, "/soiree", "subscribe national en", channel="C07"))
        assert (await post(night.events_url, body, headers)).status_code == 200
        await wait_for(lambda: slack.responses, what="the confirmation")
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: slack.posted("C07"), what="the first alert")
    assert slack.responses[0][1]["text"] == "Subscribed: national (en)."
    alert = slack.posted("C07")[0].params
    assert alert["blocks"][0]["text"]["text"] == "*First results — Primaire*"
    assert alert["text"].startswith("First results — Primaire")


async def test_a_command_under_way_at_stop_finishes_before_the_store_closes(tmp_path, slack):
    # The command waits on users.info (its rights) when the bot is told to stop: bolt runs it
    # in a task of its own, which the HTTP server's shutdown does not wait for.
    rights = slack.hold("users.info")
    night = Night(tmp_path, slack)
    await night.app.start()
    body, headers = signed(slash(slack, "/soiree", "subscribe national en", channel="C07"))
    assert (await post(night.events_url, body, headers)).status_code == 200
    await wait_for(lambda: any(c.method == "users.info" for c in slack.calls), what="the rights")
    adapter = night.app.adapters["slack"]
    stopping = asyncio.create_task(night.app.stop())
    await wait_for(lambda: adapter.inflight.draining, what="the stop waiting for the command")  # type: ignore[attr-defined]
    assert not stopping.done()
    rights.set()
    await stopping
    assert slack.responses[0][1]["text"] == "Subscribed: national (en)."
    store = await open_store(str(night.app.parts.db))
    try:
        assert [s.race for s in await store.subscriptions("slack", "C07")] == ["national"]
    finally:
        await store.close()


async def test_alerts_reach_every_channel_in_block_kit_within_limits(tmp_path, slack):
    async with Night(tmp_path, slack, extra=channels(*CHANNELS)) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        night_ready = lambda: all(len(slack.posted(c)) == 1 for c in CHANNELS)  # noqa: E731
        await wait_for(night_ready, what="first results everywhere")
        night.publish(20, {"hamon": 590, "valls": 410}, counted=520, voters=1200)
        # 50 % and the voters milestone are due together: one digest, with a divider.
        await wait_for(lambda: all(len(slack.posted(c)) == 2 for c in CHANNELS), what="more")
    assert [c for c in slack.calls if c.status == 429] == []
    for channel in CHANNELS:
        posts = slack.posted(channel)
        times = [p.t for p in posts]
        assert times[-1] - times[0] >= (len(times) - 1) * 0.1 * 0.75  # paced; jitter allowed
        for p in posts:
            blocks = p.params["blocks"]
            assert blocks[0]["type"] == "section"
            assert blocks[-1]["type"] == "context"
            assert "bureaux" in blocks[-1]["elements"][0]["text"]
            assert "Test authority" in blocks[-1]["elements"][0]["text"]
            assert p.params["text"]
        digest = posts[1].params["blocks"]
        assert {"type": "divider"} in digest
        assert len(digest) <= 50


async def test_429_is_retried_after_retry_after_and_arrives_once(tmp_path, slack):
    slack.fail_next(
        "chat.postMessage",
        error="ratelimited",
        status=429,
        headers={"Retry-After": "1"},
        channel="C02",
    )
    async with Night(tmp_path, slack, extra=channels("C02")) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: slack.posted("C02"), what="the retried post")
    attempts = [c for c in slack.calls if c.method == "chat.postMessage"]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].t - attempts[0].t >= 1.0
    assert len(slack.posted("C02")) == 1


@pytest.mark.parametrize("error", ["is_archived", "channel_not_found", "not_in_channel"])
async def test_gone_channel_disables_the_subscription(tmp_path, slack, error: str):
    slack.fail_next("chat.postMessage", error=error, channel="C03")
    async with Night(tmp_path, slack, extra=channels("C01", "C03")) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: slack.posted("C01"), what="the other channel")

        async def disabled() -> bool:
            return not await night.app.store.subscriptions("slack", "C03")

        await wait_for(disabled, what="the subscription disabled")
    assert [c.params["channel"] for c in slack.calls if c.method == "chat.postMessage"].count(
        "C03"
    ) == 1


async def test_feed_text_is_escaped_in_mrkdwn(tmp_path, slack):
    async with Night(tmp_path, slack, extra=channels("C04")) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50, name="<!channel> & <b>Co</b>")
        await wait_for(lambda: slack.posted("C04"), what="the alert")
    alert = slack.posted("C04")[0].params
    payload = json.dumps(alert, ensure_ascii=False)
    assert "<!channel>" not in payload
    assert "&lt;!channel&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" in alert["blocks"][0]["text"]["text"]
    assert "&lt;!channel&gt;" in alert["text"]


async def test_socket_mode_answers_a_slash_command_envelope(tmp_path, slack):
    async with Night(tmp_path, slack, socket=True) as night:
        night.publish(10, {"hamon": 587, "valls": 413}, counted=600)
        await wait_for(lambda: "Hamon" in night.out.getvalue(), what="the console alert")
        await wait_for(lambda: slack.connected, what="the WebSocket")
        await slack.send_envelope({
            "envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
            "payload": slash(slack, "/results", "", channel="C05"),
        })  # fmt: skip
        await wait_for(lambda: slack.responses, what="the reply")
        await wait_for(lambda: any(a.get("envelope_id") == "env-1" for a in slack.acks))
    assert "Hamon  58.70%  587" in slack.responses[0][1]["blocks"][1]["text"]["text"]
    opened = [c for c in slack.calls if c.method == "apps.connections.open"]
    assert len(opened) >= 1


async def test_a_5xx_storm_loses_nothing_and_doubles_nothing(tmp_path, slack):
    for _ in range(4):
        slack.fail_next("chat.postMessage", error="internal_error", status=503, channel="C05")
    async with Night(tmp_path, slack, extra=channels("C05")) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: slack.posted("C05"), patience=20, what="after the storm")
    attempts = [c for c in slack.calls if c.method == "chat.postMessage"]
    assert [c.status for c in attempts] == [503] * 4 + [200]
    assert len(slack.posted("C05")) == 1
