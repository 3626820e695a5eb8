"""Logging set-up: secrets from the environment, and the credentials of any URL, are
redacted from every line; redact_url shows a URL without its secrets wherever Soirée
writes one."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from urllib.parse import unquote

SECRET_VARS = (
    "TELEGRAM_BOT_TOKEN",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
)
# Telegram puts the token in the URL path: /bot<token>/method.
_BOT_PATH = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")
_SLACK_TOKEN = re.compile(r"\bxox[abpr]-[A-Za-z0-9-]+|\bxapp-[A-Za-z0-9-]+")
HIDDEN = "***"
# A URL in free text: a scheme, then anything up to a space, a quote or a bracket.
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]+")
# A query parameter whose name says it holds a secret (api_key, access_token, X-Amz-Signature,
# password, sig, auth...). Hiding a harmless one costs nothing.
_SECRET_NAME = re.compile(r"key|token|secret|passw|pwd|sig|auth|credential|session", re.I)
_hidden: set[str] = set()  # credentials of the configured URLs, hidden from every log line


def _split(url: str) -> tuple[str, str, str, str] | None:
    """Return (scheme://, userinfo, the rest of the authority and the path, ?query#fragment),
    or None when it is not a URL with an authority. The authority ends at the first /, ? or #
    (as urllib and httpx read it); its userinfo at its last "@"."""
    head, sep, tail = url.partition("://")
    if not sep or not head:
        return None
    end = min((i for i in (tail.find(c) for c in "/?#") if i >= 0), default=len(tail))
    at = tail.rfind("@", 0, end)
    userinfo, tail = (tail[:at], tail[at + 1 :]) if at >= 0 else ("", tail)
    cut = min((i for i in (tail.find("?"), tail.find("#")) if i >= 0), default=len(tail))
    return head + sep, userinfo, tail[:cut], tail[cut:]


def redact_url(url: str) -> str:
    """Return a URL with its userinfo and its secret-named query values shown as ***."""
    parts = _split(url)
    if parts is None:
        return url
    scheme, userinfo, where, rest = parts
    query, hash_, fragment = rest.removeprefix("?").partition("#")
    if rest.startswith("?"):
        rest = "?" + "&".join(_redact_param(p) for p in query.split("&")) + hash_ + fragment
    return scheme + (HIDDEN + "@" if userinfo else "") + where + rest


def _redact_param(param: str) -> str:
    name, eq, value = param.partition("=")
    return f"{name}={HIDDEN}" if eq and value and _SECRET_NAME.search(unquote(name)) else param


def redact_urls(text: str) -> str:
    """Return a text with every URL in it redacted (redact_url)."""
    return _URL.sub(lambda m: redact_url(m.group(0)), text)


def url_secrets(url: str) -> list[str]:
    """Return the secrets a URL holds: its password and secret-named query values, as
    typed and decoded (the log filter hides them wherever they appear)."""
    parts = _split(url)
    if parts is None:
        return []
    _, userinfo, _, rest = parts
    found = [userinfo.partition(":")[2]] if ":" in userinfo else [userinfo]
    query = rest.removeprefix("?").partition("#")[0] if rest.startswith("?") else ""
    for param in query.split("&"):
        name, _, value = param.partition("=")
        if value and _SECRET_NAME.search(unquote(name)):
            found.append(value)
    # Short values would blank out common words in every line; the URL forms still hide them.
    return [v for s in found for v in {s, unquote(s)} if len(v) >= 4]


def hide(secrets: Iterable[str]) -> None:
    """Have every log line hide these values from now on (a feed URL's credentials)."""
    _hidden.update(s for s in secrets if s)


def secrets_from(env: Mapping[str, str]) -> list[str]:
    """Return the secret values set in the environment."""
    return [env[k] for k in SECRET_VARS if env.get(k)]


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret, bot-token URL path, Slack token and URL credential in text."""
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    text = _BOT_PATH.sub("/bot[redacted]", text)
    return redact_urls(_SLACK_TOKEN.sub("[redacted]", text))


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
        record.msg, record.args = redact(message, [*self.secrets, *_hidden]), ()
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
