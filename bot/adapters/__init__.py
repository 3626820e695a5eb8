"""Chat platforms. Each adapter starts when its tokens are in the environment."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from bot.adapters.base import Adapter
from bot.commands import Handler
from bot.deeplinks import BotLinks

if TYPE_CHECKING:
    from bot.adapters.telegram_inline import Answerer

log = logging.getLogger(__name__)


def platform_adapters(
    env: Mapping[str, str],
    handle: Handler,
    rate_scale: float = 1.0,
    slack_managers: Collection[str] = (),
    *,
    inline: Answerer | None = None,
    links: BotLinks | None = None,
    media_chat: str | None = None,
) -> dict[str, Adapter]:
    """Return the Telegram and Slack adapters whose tokens are set in `env`; Slack's
    managers are the users and user groups the config names ([slack] managers). Telegram
    answers inline queries with `inline`, tells `links` its username, and uploads inline
    charts to `media_chat` ([telegram] media_chat)."""
    found: dict[str, Adapter] = {}
    if env.get("TELEGRAM_BOT_TOKEN"):
        from bot.adapters import telegram, telegram_http

        found["telegram"] = telegram.TelegramAdapter(
            telegram_http.settings_from_env(env, rate_scale), handle, inline=inline, links=links,
            media_chat=media_chat,
        )  # fmt: skip
    if env.get("SLACK_BOT_TOKEN"):
        from bot.adapters import slack

        settings = slack.settings_from_env(env, rate_scale)
        if settings is None:
            log.error(
                "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor "
                "SLACK_SIGNING_SECRET (HTTP mode): Slack stays off"
            )
        else:
            found["slack"] = slack.SlackAdapter(settings, handle, slack_managers)
    return found
