"""The console as an operator meets it (issue 17, items 6 and 7), through the real CLI: the
demo's announcements on stdout and only warnings on stderr, one line for a night played
already, one line for Ctrl-C, and no traceback for a folder, a level or a store that is wrong."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import feed_bytes

ROOT = Path(__file__).resolve().parent.parent
DEMO = sorted((ROOT / "config" / "demo").glob("*.json"))
CTRL_C = "Soirée stops (Ctrl-C); what was not sent yet stays queued."


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env or _env(), capture_output=True,
        text=True, timeout=60, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
    env.pop("SOIREE_LOG_LEVEL", None)
    env.pop("SOIREE_CONFIG", None)
    return {**env, **extra}


def _demo(db: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--speed", "50", *args],
        cwd=ROOT, env=_env(SOIREE_DB=str(db)), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _interrupt(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Press Ctrl-C (SIGINT); return what the process wrote afterwards, once it ended."""
    proc.send_signal(signal.SIGINT)
    return proc.communicate(timeout=30)


def test_the_demo_speaks_on_stdout_warns_on_stderr_and_a_second_run_says_it_was_played(
    tmp_path: Path,
) -> None:
    db = tmp_path / "demo.db"
    first = _demo(db)
    assert first.stdout is not None
    told = []
    for line in first.stdout:
        told.append(line)
        if line.startswith("Correction"):  # the night's last announcement
            break
    _, err = _interrupt(first)
    assert first.returncode == 0, err
    assert "Premiers résultats" in "".join(told)
    logs = [line for line in err.splitlines() if line.strip()]
    # WARNING and up only, the anomaly in words; then the one line of Ctrl-C.
    assert logs[-1] == CTRL_C, err
    assert [line.split()[2] for line in logs[:-1]] == ["WARNING"], err
    assert logs[0].endswith(
        "06-20h45.json: anomaly share_sum in race national: Published shares add up to 100.10%"
    ), err

    second = _demo(db)
    assert second.stderr is not None
    played = second.stderr.readline()
    out, err = _interrupt(second)
    assert played == (
        f"The demo night was already played from {db}: `make demo-reset` plays it again.\n"
    )
    assert second.returncode == 0, err
    assert out == ""  # nothing announced twice
    assert [line for line in err.splitlines() if line.strip()] == [CTRL_C]


def test_log_level_info_shows_the_info_lines_wherever_it_is_given(tmp_path: Path) -> None:
    feed = tmp_path / "feed.json"
    feed.write_bytes(feed_bytes(10, {"a": 60, "b": 40}, counted=50))
    quiet = cli("replay", str(feed))
    assert (quiet.returncode, quiet.stderr) == (0, "")
    for args in (["--log-level", "info", "replay", str(feed)],
                 ["replay", str(feed), "--log-level", "INFO"]):  # fmt: skip
        loud = cli(*args)
        assert loud.returncode == 0, loud.stderr
        assert " INFO bot.store: store schema migrated to version 1" in loud.stderr
    from_env = cli("replay", str(feed), env=_env(SOIREE_LOG_LEVEL="info"))
    assert "INFO bot.store" in from_env.stderr


def test_log_level_choices_are_in_the_help_and_a_wrong_one_is_one_line() -> None:
    for args in (["--help"], ["run", "--help"], ["store", "copy", "--help"]):
        shown = cli(*args)
        assert shown.returncode == 0
        assert "--log-level {debug,info,warning,error}" in shown.stdout
    wrong = cli("check-config", "config/demo.toml", "--log-level", "loud")
    assert wrong.returncode == 2
    assert "argument --log-level: invalid choice: 'loud'" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    from_env = cli("check-config", "config/demo.toml", env=_env(SOIREE_LOG_LEVEL="loud"))
    assert from_env.returncode == 2
    assert from_env.stderr == (
        "config error: $SOIREE_LOG_LEVEL = 'loud': expected one of debug, info, warning, error\n"
    )


def test_a_chart_into_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "chart.png"
    done = cli("chart", str(DEMO[-1]), "--out", str(out))
    assert done.returncode == 1
    assert done.stderr == f"error: {out}: No such file or directory\n"


def _read_only(db: Path) -> None:
    """Make a SQLite file that SQLite itself opens read-only, whoever runs it (root ignores
    file modes): a header whose write version is past 2 (https://sqlite.org/fileformat.html,
    offset 18)."""
    done = cli("replay", str(DEMO[0]), "--db", str(db))
    assert done.returncode == 0, done.stderr
    with db.open("r+b") as file:
        file.seek(18)
        file.write(b"\x03")


@pytest.mark.parametrize("command", ["run", "replay"])
def test_a_read_only_store_is_one_line_and_the_process_ends(tmp_path: Path, command: str) -> None:
    db = tmp_path / "night.db"
    _read_only(db)
    feed = [] if command == "run" else [str(DEMO[1])]
    # Before, `run` hung there: the store's thread outlived the failed start.
    done = cli(command, *feed, "--db", str(db))
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"error: the store {db}: attempt to write a readonly database\n"
