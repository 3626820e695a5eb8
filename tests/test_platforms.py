"""The platform table: Telegram's entries are python-telegram-bot's, every reader agrees."""

from __future__ import annotations

from telegram.constants import FloodLimit, MessageLimit

from bot.config import PLATFORMS
from bot.platforms import CONSOLE, NAMES, SLACK, TELEGRAM, platform_named
from bot.render import markup_for
from bot.render.text import MARKUPS


def test_telegram_limits_are_python_telegram_bots() -> None:
    assert TELEGRAM.text_limit == MessageLimit.MAX_TEXT_LENGTH
    assert TELEGRAM.caption_limit == MessageLimit.CAPTION_LENGTH


def test_telegram_pace_is_python_telegram_bots_flood_limits() -> None:
    assert TELEGRAM.per_chat_interval == 1 / FloodLimit.MESSAGES_PER_SECOND_PER_CHAT
    assert (TELEGRAM.overall_burst, TELEGRAM.overall_window) == (FloodLimit.MESSAGES_PER_SECOND, 1)
    assert (TELEGRAM.group_burst, TELEGRAM.group_window) == (
        FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        60,
    )


def test_a_channel_is_paced_as_python_telegram_bot_paces_it_a_group() -> None:
    # AIORateLimiter applies its group limit to every negative or "@name" chat id.
    assert (TELEGRAM.channel_burst, TELEGRAM.channel_window) == (
        FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        60,
    )


def test_slack_block_kit_limits() -> None:
    # https://api.slack.com/reference/block-kit/blocks: 50 blocks a message, 3,000
    # characters a section's text.
    assert (SLACK.max_blocks, SLACK.max_section) == (50, 3000)
    assert SLACK.max_fallback <= 40_000  # chat.postMessage truncates a longer text


def test_the_config_accepts_the_platforms_of_the_table_in_its_order() -> None:
    assert PLATFORMS == NAMES == ("console", "telegram", "slack")


def test_each_platform_says_its_markup_and_limits() -> None:
    assert [(p.markup, p.text_limit, p.caption_limit) for p in (CONSOLE, TELEGRAM, SLACK)] == [
        ("plain", None, None),
        ("html", 4096, 1024),
        ("slack", None, None),
    ]
    assert {markup_for(name) for name in NAMES} <= set(MARKUPS)


def test_a_name_outside_the_table_reads_as_the_console() -> None:
    assert platform_named("carrier-pigeon") == CONSOLE
    assert markup_for("carrier-pigeon") == "plain"
