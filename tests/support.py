"""Test support: wait on conditions (never on fixed sleeps) and write configs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path


async def wait_for(predicate: Callable[[], object], patience: float = 10.0, what: str = "") -> None:
    """Return once `predicate()` is truthy (awaiting it if needed); fail after `patience` s."""
    deadline = time.monotonic() + patience
    while True:
        result = predicate()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {patience} s waiting for {what or predicate}")
        await asyncio.sleep(0.01)


def write_config(tmp_path: Path, url: str, *, extra: str = "", locale: str = "en") -> Path:
    """Write a config polling `url` (or a file, given as "file:NAME") quickly; return its path."""
    where = f'path = "{url[5:]}"' if url.startswith("file:") else f'url = "{url}"'
    path = tmp_path / "soiree.toml"
    path.write_text(
        f"""
locale = "{locale}"
db = "soiree.db"
main_races = ["national"]
dispatch_interval = 0.05

[rules]
turnout_voters = [1000]

[rules.previous_round_voters]
national = 1500

[[sources]]
id = "feed"
label = "Test authority"
{where}
interval = 0.05
timeout = 2
{extra}
""",
        encoding="utf-8",
    )
    return path
