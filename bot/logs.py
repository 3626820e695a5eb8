"""Logging set-up: secrets from the environment are redacted from every line."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping

SECRET_VARS = (
    "TELEGRAM_BOT_TOKEN",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
)
# Telegram puts the token in the URL path: /bot<token>/method.
_BOT_PATH = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")
_SLACK_TOKEN = re.compile(r"\bxox[abpr]-[A-Za-z0-9-]+|\bxapp-[A-Za-z0-9-]+")


def secrets_from(env: Mapping[str, str]) -> list[str]:
    """Return the secret values set in the environment."""
    return [env[k] for k in SECRET_VARS if env.get(k)]


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret, bot-token URL path and Slack token in text."""
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    text = _BOT_PATH.sub("/bot[redacted]", text)
    return _SLACK_TOKEN.sub("[redacted]", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with secrets removed."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the formatted message (and traceback) in place."""
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
        elif record.exc_text:
            message += "\n" + record.exc_text
        if record.stack_info:
            message += "\n" + record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        record.msg, record.args = redact(message, self.secrets), ()
        return True


def setup(level: str = "INFO", env: Mapping[str, str] | None = None) -> None:
    """Send logs to stderr, redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets_from(env if env is not None else os.environ)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Our job wrapper logs job failures itself; APScheduler's "skipped: maximum number of
    # running instances" is the expected result of waking a dispatch that is already running.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    # PTB's limiter logs every 429 with a traceback; the outbox logs and retries it.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
