"""One instance per store: the second process refuses, with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.lock import AlreadyRunning, InstanceLock

ROOT = Path(__file__).resolve().parent.parent


def test_second_lock_on_the_same_store_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "soiree.db"
    first = InstanceLock(db)
    first.acquire()
    with pytest.raises(AlreadyRunning, match=rf"pid {os.getpid()}\) is running on .*soiree\.db"):
        InstanceLock(db).acquire()
    first.release()
    again = InstanceLock(db)
    again.acquire()  # free once released
    again.release()


def test_second_bot_run_on_the_same_db_exits_with_a_message(tmp_path: Path) -> None:
    env = {**os.environ, "SOIREE_DB": str(tmp_path / "demo.db")}
    cmd = [sys.executable, "-m", "bot", "run", "--speed", "50"]
    first = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert first.stdout is not None
        assert first.stdout.readline()  # the first announcement: it runs and holds the store
        second = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=60, check=False)  # fmt: skip
    finally:
        first.terminate()
        first.communicate(timeout=30)
    assert second.returncode == 3
    assert f"another Soirée (pid {first.pid}) is running on" in second.stderr
    assert second.stdout == ""
