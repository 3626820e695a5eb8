"""The signed endpoint in front of slack-bolt: Slack's signature checked on the raw bytes,
garbage refused with a 401 and counted in one line a minute, a signed payload that does not
read refused with a 400."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack_http import SignedEndpoint, unreadable
from tests.support import SECRET


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def endpoint(clock: Clock) -> SignedEndpoint:
    app = AsyncApp(token="xoxb-1-test", signing_secret=SECRET)
    return SignedEndpoint(app, SECRET, monotonic=clock)


@pytest.fixture
async def url(endpoint: SignedEndpoint) -> AsyncIterator[str]:
    runner = web.AppRunner(endpoint.web_app("/slack/events"), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    await runner.cleanup()


def signature(body: bytes, stamp: str, secret: str = SECRET) -> dict[str, str]:
    sig = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": str(sig)}


def test_signed_takes_only_the_bytes_slack_signed_lately(endpoint: SignedEndpoint) -> None:
    body, now = b"command=%2Fresults", str(int(time.time()))
    assert endpoint.signed(body, signature(body, now))
    assert not endpoint.signed(body + b"x", signature(body, now))
    assert not endpoint.signed(body, signature(body, now, secret="another"))
    assert not endpoint.signed(body, signature(body, str(int(time.time()) - 301)))
    assert not endpoint.signed(body, {**signature(body, now), "X-Slack-Request-Timestamp": "x"})
    assert not endpoint.signed(b"\xff\xfe", signature(b"", now))
    assert not endpoint.signed(body, {})


@pytest.mark.parametrize(
    ("text", "content_type", "problem"),
    [
        ("command=%2Fresults&text=paris", "application/x-www-form-urlencoded", None),
        ('{"type": "url_verification"}', "application/json", None),
        ("payload=%7Bnot+json", "application/x-www-form-urlencoded", "not valid JSON"),
        ("{not json", "application/json", "not valid JSON"),
        ("[1, 2]", "application/json", "a JSON list, not an object"),
    ],
)
def test_unreadable_says_why_a_payload_does_not_read(
    text: str, content_type: str, problem: str | None
) -> None:
    found = unreadable(text, content_type)
    assert found == problem if problem is None else found is not None and problem in found


async def test_refusals_are_said_once_a_minute_with_their_count(
    url: str, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "bot.adapters.slack")
    async with httpx.AsyncClient(trust_env=False) as client:
        for _ in range(5):
            assert (await client.post(url, content=b"\xff garbage")).status_code == 401
        clock.now += 61
        assert (await client.post(url, content=b"more")).status_code == 401
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert lines[0].startswith("slack: refused 1 unsigned or undecodable request(s) (401)")
    assert lines[1].startswith("slack: refused 5 unsigned")  # four in the minute, then this


async def test_a_signed_payload_that_does_not_read_is_a_400(url: str) -> None:
    body = b"payload=%7Bnot+json"
    headers = {**signature(body, str(int(time.time()))),
               "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip
    async with httpx.AsyncClient(trust_env=False) as client:
        response = await client.post(url, content=body, headers=headers)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid payload"}
