"""Test support: wait on conditions (never on fixed sleeps) and write configs."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.app import App, Options
from bot.config import load
from tests.builders import feed_doc


async def wait_for(
    predicate: Callable[[], object], patience: float = 10.0, what: str = "", every: float = 0.01
) -> None:
    """Return once `predicate()` is truthy (awaiting it if needed), asking every `every` s;
    fail after `patience` s. The benchmarks wait with it too."""
    deadline = time.monotonic() + patience
    while True:
        result = predicate()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {patience} s waiting for {what or predicate}")
        await asyncio.sleep(every)


def write_config(
    tmp_path: Path,
    url: str,
    *,
    extra: str = "",
    locale: str = "en",
    charts: str = "send_with = []",
    top: str = "",
) -> Path:
    """Write a config polling `url` (or a file, given as "file:NAME") quickly; return its path.

    Alerts go without charts unless `charts` (the [charts] table's body) says otherwise: the
    chart tests turn them on. `top` adds top-level keys (e.g. live_interval)."""
    where = f'path = "{url[5:]}"' if url.startswith("file:") else f'url = "{url}"'
    path = tmp_path / "soiree.toml"
    path.write_text(
        f"""
locale = "{locale}"
db = "soiree.db"
main_races = ["national"]
dispatch_interval = 0.05
{top}

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

[charts]
{charts}
""",
        encoding="utf-8",
    )
    return path


class Night:
    """A running app whose feed is a file the test rewrites; platforms come from `env`."""

    def __init__(
        self,
        tmp_path: Path,
        env: dict[str, str],
        extra: str = "",
        scale: float = 10,
        digest_max: int | None = None,
        charts: str = "send_with = []",
        top: str = "",
    ) -> None:
        self.feed = tmp_path / "feed.json"
        path = write_config(tmp_path, "file:feed.json", extra=extra, charts=charts, top=top)
        self.config = load(path)
        self.out = io.StringIO()
        self.app = App(
            self.config,
            Options(
                out=self.out, interactive=False, env=env, rate_scale=scale, digest_max=digest_max
            ),
        )

    def publish(self, minutes: int, votes: dict[str, int], **kw: object) -> None:
        """Write a new version of the feed."""
        self.feed.write_text(json.dumps(feed_doc(minutes, votes, **kw)), encoding="utf-8")  # type: ignore[arg-type]

    async def __aenter__(self) -> Night:
        await self.app.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.stop()
