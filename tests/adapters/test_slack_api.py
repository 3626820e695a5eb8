"""Slack's error answers, as the real slack-sdk client raises them from the fake Slack Web
API, mapped to the adapter's errors."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.base import RateLimited, Rejected, TargetGone, TransientError
from bot.adapters.slack_api import FileNotReady, api
from tests.fakes.slack import FakeSlack


@pytest.mark.parametrize(
    ("error", "status", "expected"),
    [
        ("ratelimited", 429, RateLimited),
        ("channel_not_found", 200, TargetGone),
        ("is_archived", 200, TargetGone),
        ("invalid_blocks", 200, Rejected),
        ("msg_too_long", 200, Rejected),
        ("internal_error", 200, TransientError),
        ("fatal_error", 500, TransientError),
    ],
)
async def test_each_error_is_mapped(slack: FakeSlack, error: str, status: int, expected: type):
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    slack.fail_next("chat.postMessage", error=error, status=status, headers={"Retry-After": "2"})
    with pytest.raises(expected) as raised:
        await api(client.chat_postMessage(channel="C1", text="hello"))
    assert not isinstance(raised.value, FileNotReady)
    if expected is RateLimited:
        assert raised.value.retry_after == 2.0  # type: ignore[attr-defined]


async def test_an_image_of_a_file_not_processed_yet_is_file_not_ready(slack: FakeSlack):
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    uploaded = await client.files_upload_v2(file=b"\x89PNG....", filename="c.png")
    slack.processing = 0
    image = {"type": "image", "slack_file": {"id": uploaded["file"]["id"]}, "alt_text": "c"}
    unknown = {**image, "slack_file": {"id": "F999999999"}}
    with pytest.raises(FileNotReady, match="invalid slack file"):
        await api(client.chat_postMessage(channel="C1", text="t", blocks=[unknown]))
    response = await api(client.chat_postMessage(channel="C1", text="t", blocks=[image]))
    assert response["ok"]
