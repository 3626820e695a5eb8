"""How the adapter reaches the Bot API: its settings from the environment, and the request
that lets a send leave only while this instance may send, tried against the fake Bot API."""

from __future__ import annotations

import pytest
from telegram.error import NetworkError
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.adapters.telegram_http import DEFAULT_BASE_URL, GatedRequest, settings_from_env
from tests.fakes.telegram import FakeTelegram


def test_settings_come_from_the_environment() -> None:
    s = settings_from_env({"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_POLL_TIMEOUT": "2"}, 10)
    assert (s.token, s.base_url, s.poll_timeout, s.timeout, s.rate_scale) == (
        "123:abc", DEFAULT_BASE_URL, 2.0, 10.0, 10,
    )  # fmt: skip


async def test_a_send_leaves_only_while_the_gate_is_open(tg: FakeTelegram) -> None:
    leads = False
    request = GatedRequest(lambda: leads)
    await request.initialize()
    try:
        me = await request.post(
            f"{tg.base_url}{tg.token}/getMe", RequestData()
        )  # a read is never gated
        assert me["username"] == "SoireeBot"
        send = f"{tg.base_url}{tg.token}/sendMessage"
        hello = RequestData(
            [RequestParameter("chat_id", 42, None), RequestParameter("text", "hi", None)]
        )
        with pytest.raises(NetworkError, match="does not lead"):
            await request.post(send, hello)
        assert tg.sent(42) == []  # nothing left the process
        leads = True
        assert (await request.post(send, hello))["text"] == "hi"
        assert [c.params["text"] for c in tg.sent(42)] == ["hi"]
    finally:
        await request.shutdown()
