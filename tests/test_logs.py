"""Secrets never reach the logs: tokens from the environment and tokens in URLs."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot import logs
from bot.logs import RedactingFilter, redact, redact_url, redact_urls, secrets_from, url_secrets

TOKEN = "123456:AAE-secretSECRETsecret_abc"
ROOT = Path(__file__).resolve().parent.parent


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


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:S3cret@host:8080/feed.json", "http://***@host:8080/feed.json"),
        ("https://TOKEN123@host/f", "https://***@host/f"),
        (
            "https://h/f?dept=075&api_key=k1&Access_Token=t2&sig=s3&password=p4&X-Amz-Signature=s5",
            "https://h/f?dept=075&api_key=***&Access_Token=***&sig=***&password=***"
            "&X-Amz-Signature=***",
        ),
        ("https://h/f?token=&secret#frag", "https://h/f?token=&secret#frag"),  # nothing held
        ("https://h/users/@me?key=k#top", "https://h/users/@me?key=***#top"),  # an @ in a path
        ("/var/feeds/feed.json", "/var/feeds/feed.json"),
    ],
)
def test_redact_url_hides_userinfo_and_secret_named_parameters(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_redact_urls_finds_every_url_in_a_text() -> None:
    text = "GET 'http://u:pw@a.test/x?token=abc' failed; see https://b.test/y?page=2."
    assert (
        redact_urls(text)
        == "GET 'http://***@a.test/x?token=***' failed; see https://b.test/y?page=2."
    )


def test_url_secrets_are_the_password_and_the_secret_values_as_typed_and_decoded() -> None:
    secrets = url_secrets("http://user:S3c%40ret@h/f?dept=075&api_key=K3yValue&sig=ab")
    assert sorted(secrets) == ["K3yValue", "S3c%40ret", "S3c@ret"]  # "ab": too short to hunt


def test_hidden_secrets_leave_every_log_line(caplog: pytest.LogCaptureFixture) -> None:
    logs.hide(["Hunter2Hunter2"])
    caplog.handler.addFilter(handler_filter := RedactingFilter([]))
    try:
        logging.getLogger("test.redact").warning("auth=('feeds', 'Hunter2Hunter2') at %s",
                                                 "http://feeds:x@h/f?key=abcd")  # fmt: skip
    finally:
        caplog.handler.removeFilter(handler_filter)
    assert "Hunter2Hunter2" not in caplog.text
    assert "http://***@h/f?key=***" in caplog.text


async def test_the_running_bot_never_logs_its_tokens(tmp_path: Path) -> None:
    """A real `bot run` whose Telegram and Slack calls fail: the logs name no token."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    secrets = {"TELEGRAM_BOT_TOKEN": TOKEN, "SLACK_BOT_TOKEN": "xoxb-9-SECRETSLACK",
               "SLACK_APP_TOKEN": "xapp-9-SECRETAPP"}  # fmt: skip
    env = {**os.environ, **secrets, "SOIREE_DB": str(tmp_path / "d.db"),
           "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{closed}/bot",
           "SLACK_API_BASE_URL": f"http://127.0.0.1:{closed}/api/", "NO_PROXY": "127.0.0.1",
           "SOIREE_LOG_LEVEL": "DEBUG"}  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--speed", "50", cwd=ROOT, env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        # The demo's first alert: the app runs, whatever became of the two platforms.
        assert await asyncio.wait_for(proc.stdout.readline(), 60)
    finally:
        proc.terminate()
        _, err_bytes = await asyncio.wait_for(proc.communicate(), 60)
    err = err_bytes.decode()
    assert "adapter did not start" in err
    for secret in secrets.values():
        assert secret not in err
    assert "SECRET" not in err
