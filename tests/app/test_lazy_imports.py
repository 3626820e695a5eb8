"""What the running bot loads: a library it does not use is not imported (issue 18, P4).

`python -m bot run` in a process of its own, with `-X importtime`, which names on stderr
every module as it is imported; the bot is stopped once it has started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.fakes.telegram import FakeTelegram
from tests.support import write_config

ROOT = Path(__file__).resolve().parent.parent.parent
UNUSED = ("aiohttp", "asyncpg", "slack_bolt", "slack_sdk")  # Slack, PostgreSQL, $PORT


def imported(config: Path, env: dict[str, str]) -> set[str]:
    """Run the bot until it has started, then stop it (a stop waits for the chart worker's
    loading of its renderer, if any); return the top-level packages it imported."""
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "bot", "run", "--config", str(config)],
        cwd=config.parent, env={**env, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    timer = threading.Timer(120, proc.kill)  # a bot that never starts fails, not hangs
    timer.start()
    lines: list[str] = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if "Soirée started" in line:
                break
    finally:
        timer.cancel()
        proc.send_signal(signal.SIGTERM)
        lines += proc.communicate(timeout=30)[1].splitlines()
    assert any("Soirée started" in line for line in lines), "the bot did not start"
    return {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in lines
        if line.startswith("import time:") and "|" in line
    }


@pytest.fixture
def env(tg: FakeTelegram) -> dict[str, str]:
    """The environment without Slack's tokens or $PORT, with the fake Bot API's."""
    bare = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PORT"))}
    return {**bare, "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url,
            "TELEGRAM_POLL_TIMEOUT": "1", "SOIREE_LOG_LEVEL": "INFO"}  # fmt: skip


def test_a_telegram_bot_on_sqlite_without_port_loads_no_slack_postgres_or_web_server(
    tmp_path: Path, env: dict[str, str]
) -> None:
    names = imported(write_config(tmp_path, "file:feed.json", charts=""), env)
    assert "telegram" in names
    assert "PIL" in names  # the charts' renderer, loaded at start
    # matplotlib and numpy, the renderer before Pillow, were 40 MB of the bot's 94 MB of
    # imports (P4); only DejaVu Sans is read from matplotlib's files.
    assert names & {*UNUSED, "matplotlib", "numpy"} == set()


def test_port_loads_the_web_server_for_healthz(tmp_path: Path, env: dict[str, str]) -> None:
    names = imported(write_config(tmp_path, "file:feed.json", charts=""), {**env, "PORT": "0"})
    assert "aiohttp" in names  # the check above sees an import when there is one
    assert names & {"asyncpg", "slack_bolt", "slack_sdk"} == set()


def test_a_config_that_gives_no_chat_charts_does_not_load_the_renderer(
    tmp_path: Path, env: dict[str, str]
) -> None:
    names = imported(write_config(tmp_path, "file:feed.json"), env)  # send_with = []
    assert "telegram" in names
    assert names & {"PIL", "matplotlib", "numpy"} == set()
