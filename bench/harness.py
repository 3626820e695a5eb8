"""What the benchmarks share: a timed feed server, the bot as a child process, figures.

The feed server is a real aiohttp server on 127.0.0.1 serving any number of files, with
ETags (or without), and noting the monotonic time at which it finished writing each
response: a benchmark's clock starts there. The bot runs as its own process, so that it
has a core of its own and its CPU and memory are its own; `time.monotonic` is the same
clock in every process of the machine (CLOCK_MONOTONIC), so times compare across them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.support import wait_for as wait_for  # the benchmarks wait as the tests do

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Served:
    """One response the feed server finished writing."""

    path: str
    status: int
    etag: str | None
    t: float


@dataclass
class FeedServer:
    """Serves `files[path]` at `/path`, honouring If-None-Match when `etags` is on."""

    files: dict[str, bytes] = field(default_factory=dict)
    etags: bool = True
    served: list[Served] = field(default_factory=list)
    peers: set[object] = field(default_factory=set)  # client address and port: a connection
    url: str = ""
    _tags: dict[str, str] = field(default_factory=dict)
    _runner: web.AppRunner | None = None

    def publish(self, path: str, body: bytes) -> None:
        """Replace (or add) the file at `path`."""
        self.files[path] = body
        self._tags[path] = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        if path == "_connections":  # how many connections the clients opened so far
            return web.Response(text=str(len(self.peers)))
        self.peers.add(request.transport.get_extra_info("peername") if request.transport else None)
        body, etag = self.files.get(path), self._tags.get(path)
        if body is None:
            self.served.append(Served(path, 404, None, time.monotonic()))
            return web.Response(status=404, text="<html>pas encore publié</html>")
        if self.etags and request.headers.get("If-None-Match") == etag:
            response = web.StreamResponse(status=304)
            await response.prepare(request)
            await response.write_eof()
            self.served.append(Served(path, 304, etag, time.monotonic()))
            return response
        response = web.StreamResponse(headers={"ETag": etag} if self.etags and etag else {})
        response.content_length = len(body)
        response.content_type = "application/octet-stream"
        await response.prepare(request)
        await response.write(body)
        await response.write_eof()
        self.served.append(Served(path, 200, etag, time.monotonic()))
        return response

    async def start(self) -> None:
        """Listen on an ephemeral port of 127.0.0.1."""
        app = web.Application()
        app.router.add_get("/{path:.+}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner:
            await self._runner.cleanup()

    def sent_200(self, path: str, etag: str, after: float = 0.0) -> float | None:
        """Return when the first 200 of this version of `path` was written, if it was."""
        return next(
            (s.t for s in self.served if s.path == path and s.status == 200 and s.etag == etag
             and s.t >= after),
            None,
        )  # fmt: skip


@contextlib.asynccontextmanager
async def bot_process(
    config: Path, env: Mapping[str, str], log: Path, rate_scale: float = 1.0
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run the bot on `config` in a child process; stop it with SIGTERM on the way out.

    At real limits this is `python -m bot run`; with `rate_scale` it is `bench.botproc`,
    the same App with the platforms' windows divided (as the tests do, for the fakes)."""
    if rate_scale == 1.0:
        argv = ["-m", "bot", "run", "--config", str(config)]
    else:
        argv = ["-m", "bench.botproc", str(config), "--rate-scale", str(rate_scale)]
    full_env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "PYTHONPATH": str(ROOT), **env}
    with log.open("ab") as stderr:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *argv, cwd=ROOT, env=full_env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()


@contextlib.contextmanager
def workdir(keep: str | None) -> Iterator[Path]:
    """Yield a scratch folder: `keep` (kept afterwards, with logs and stores) or a temporary one."""
    if keep:
        path = Path(keep)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="soiree-bench-") as tmp:
        yield Path(tmp)


@contextlib.asynccontextmanager
async def on_fake_telegram(scale: float, keep: str | None) -> AsyncIterator[tuple[Path, Any]]:
    """Yield a work folder and a fake Bot API started for the run, stopped after it."""
    from tests.fakes.telegram import FakeTelegram

    tg = FakeTelegram(scale=scale)
    await tg.start()
    try:
        with workdir(keep) as tmp:
            yield tmp, tg
    finally:
        await tg.stop()


def proc_status_kb(pid: int | str, key: str) -> int | None:
    """Return a /proc/PID/status figure in kB (VmRSS, VmHWM), None where unavailable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_cpu_seconds(pid: int | str) -> float:
    """Return the user + system CPU time a process (all its threads) has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0–100), interpolated, as numpy's default does."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def median(values: list[float]) -> float:
    """Return the median."""
    return statistics.median(values)


def machine() -> str:
    """Describe the machine: cores, Python, platform."""
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}"
    )


def alerts(tg: Any, chat: int | None = None) -> list[Any]:
    """Return the alerts a fake Bot API received, in order: texts, and photos (a chart
    with the text as its caption, the default for reporting steps and final results)."""
    calls = [*tg.sent(chat), *tg.answered("sendphoto", chat)]
    return sorted(calls, key=lambda c: c.t)


def verdict(ok: bool) -> str:
    """Return the word for a target met or missed."""
    return "MET" if ok else "MISSED"
