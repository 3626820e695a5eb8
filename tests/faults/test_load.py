"""Load: one alert to 2,000 Telegram chats and 200 Slack channels through fakes that enforce
the real limits, time-scaled ×10 (Telegram 300 msg/s overall, 1 per 0.1 s per chat; Slack
1 per 0.1 s per channel). Prints the rate achieved against the ceiling."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests import support
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import FakeTelegram
from tests.support import wait_for

SCALE = 10
TG_CHATS = [str(1_000_000 + i) for i in range(2000)]
SLACK_CHANNELS = [f"C{i:04d}" for i in range(200)]


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeTelegram, FakeSlack]]:
    tg, slack = FakeTelegram(scale=SCALE), FakeSlack(scale=SCALE)
    await tg.start()
    await slack.start()
    yield tg, slack
    await tg.stop()
    await slack.stop()


def chats() -> str:
    lines = [f'\n[[chats]]\nplatform = "telegram"\nid = {c}\n' for c in TG_CHATS]
    lines += [f'\n[[chats]]\nplatform = "slack"\nid = "{c}"\n' for c in SLACK_CHANNELS]
    return "".join(lines)


async def test_fan_out_to_2200_chats_within_the_limits(tmp_path: Path, fakes) -> None:
    tg, slack = fakes
    env = {
        "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url,
        "TELEGRAM_POLL_TIMEOUT": "1", "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": "secret", "SLACK_API_BASE_URL": slack.api_url,
        "SLACK_HTTP_HOST": "127.0.0.1", "PORT": "0",
    }  # fmt: skip
    async with support.Night(tmp_path, env, extra=chats(), scale=SCALE) as night:
        started = time.monotonic()
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: len(tg.sent()) >= len(TG_CHATS), patience=60, what="Telegram")
        await wait_for(lambda: len(slack.posted()) >= len(SLACK_CHANNELS), patience=60)
    tg_times = [c.t for c in tg.sent()]
    elapsed = max(tg_times) - min(tg_times)
    rate = (len(tg_times) - 1) / elapsed
    ceiling = 30 * SCALE
    print(
        f"\nTelegram: {len(tg_times)} chats in {elapsed:.2f} s = {rate:.0f} msg/s, "
        f"{100 * rate / ceiling:.0f} % of the {ceiling} msg/s ceiling (limits ×{SCALE}); "
        f"Slack: {len(slack.posted())} channels; total {time.monotonic() - started:.1f} s"
    )
    assert tg.refused(429) == []
    assert [c for c in slack.calls if c.status == 429] == []
    assert set(Counter(c.params["chat_id"] for c in tg.sent()).values()) == {1}
    assert len({c.params["chat_id"] for c in tg.sent()}) == len(TG_CHATS)
    assert set(Counter(c.params["channel"] for c in slack.posted()).values()) == {1}
