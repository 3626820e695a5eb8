"""Which adapters start: each platform whose tokens are in the environment, and Slack only
with a mode (Socket Mode's app token or HTTP's signing secret), said once when it has none."""

from __future__ import annotations

import logging

import pytest

from bot.adapters import platform_adapters
from bot.adapters.slack import SlackAdapter
from bot.adapters.telegram import TelegramAdapter
from bot.commands import Request
from bot.render.message import Message

TELEGRAM = {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"}
SLACK = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_API_BASE_URL": "http://127.0.0.1:9/api/"}


async def handle(req: Request) -> Message | None:
    return None


async def test_no_token_no_adapter() -> None:
    assert platform_adapters({}, handle) == {}


async def test_each_platform_with_its_token() -> None:
    env = {**TELEGRAM, **SLACK, "SLACK_SIGNING_SECRET": "s"}
    found = platform_adapters(env, handle, rate_scale=10)
    assert sorted(found) == ["slack", "telegram"]
    assert isinstance(found["telegram"], TelegramAdapter)
    assert isinstance(found["slack"], SlackAdapter)
    assert found["telegram"].limits.per_chat_interval == pytest.approx(0.1)  # scaled
    assert found["slack"].settings.signing_secret == "s"


async def test_slack_in_socket_mode_with_its_app_token() -> None:
    found = platform_adapters({**SLACK, "SLACK_APP_TOKEN": "xapp-1"}, handle)
    assert list(found) == ["slack"]
    assert found["slack"].settings.app_token == "xapp-1"


async def test_slack_without_a_mode_stays_off_and_says_why(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.ERROR, logger="bot.adapters"):
        assert platform_adapters({**TELEGRAM, **SLACK}, handle).keys() == {"telegram"}
    assert "neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET" in caplog.text
    assert "Slack stays off" in caplog.text
