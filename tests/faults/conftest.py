"""The fault tests' fake Telegram, with the platform's real limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.telegram import FakeTelegram


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()  # real limits: one message a second per chat, 30 a second in all
    await fake.start()
    yield fake
    await fake.stop()
