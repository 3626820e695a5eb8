"""Secrets never reach the logs: tokens from the environment and tokens in URLs."""

from __future__ import annotations

import logging

import pytest

from bot.logs import RedactingFilter, redact, secrets_from

TOKEN = "123456:AAE-secretSECRETsecret_abc"


def test_redact_known_secret_and_url_forms() -> None:
    text = (
        f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed; "
        "slack xoxb-1-2-abc and xapp-1-A-xyz; mysecret"
    )
    clean = redact(text, ["mysecret"])
    assert TOKEN not in clean
    assert "xoxb-1-2-abc" not in clean
    assert "xapp-1-A-xyz" not in clean
    assert "mysecret" not in clean
    assert "/bot[redacted]/sendMessage" in clean


def test_secrets_from_environment_only_set_ones() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "SLACK_BOT_TOKEN": "", "HOME": "/root"}
    assert secrets_from(env) == [TOKEN]


def test_filter_redacts_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redact")
    handler_filter = RedactingFilter([TOKEN])
    caplog.handler.addFilter(handler_filter)
    try:
        try:
            raise RuntimeError(f"boom at /bot{TOKEN}/getMe")
        except RuntimeError:
            logger.exception("request to %s failed", f"https://x/bot{TOKEN}/getMe")
    finally:
        caplog.handler.removeFilter(handler_filter)
    assert TOKEN not in caplog.text
    assert "boom at /bot[redacted]/getMe" in caplog.text
