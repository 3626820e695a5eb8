"""P5, idle poll: the CPU one poll of an unchanged feed costs the bot.

The real `Poller` with its real `HttpSource`, `Pipeline` and `Store` (SQLite on disk) polls
a real feed server on 127.0.0.1 that runs in another process, so that this process's CPU
time (`time.process_time`, every thread) is the bot's alone. Two kinds of idle poll:

- **304**: the server has the ETag the bot sent: no body, no parse;
- **hash skip**: the server sends no ETag, so the whole body comes again; the bot hashes it
  and skips it as the body it already processed.

Each on the national race (canonical JSON, about 0.3 kB) and on the largest Ministry
département file (about 2 MB). Baseline, in the same run against the same server: a bare
`httpx.AsyncClient.get` (with If-None-Match for the 304s), and for the hash skip the bare
get plus `hashlib.sha256` of the body, the least any poller can do.

    python -m bench.idle_poll [--polls 500]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

from bench.feeds import Country, national_json
from bench.harness import FeedServer, machine, verdict, workdir
from bot.app import display_of
from bot.config import load
from bot.pipeline import Pipeline
from bot.poller import Poller
from bot.sources.http import HttpSource
from bot.store import open_store

TARGET = 0.002


def _serve(files: dict[str, bytes], etags: bool, send: Connection) -> None:
    async def serve() -> None:
        server = FeedServer(etags=etags)
        for path, body in files.items():
            server.publish(path, body)
        await server.start()
        send.send(server.url)
        await asyncio.Event().wait()

    asyncio.run(serve())


def server_process(files: dict[str, bytes], etags: bool) -> tuple[multiprocessing.Process, str]:
    """Start a feed server in a forked process; return it and its URL."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    proc = context.Process(target=_serve, args=(files, etags, send), daemon=True)
    proc.start()
    return proc, str(receive.recv())


async def cpu_per_call(call: Callable[[], Awaitable[object]], n: int) -> tuple[float, float]:
    """Return (CPU seconds, wall seconds) per call, over `n` calls after 20 warm-up ones."""
    for _ in range(20):
        await call()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        await call()
    return (time.process_time() - cpu) / n, (time.perf_counter() - wall) / n


def write_config(tmp: Path, fmt: str) -> Path:
    """Write the smallest config the pipeline needs."""
    path = tmp / f"idle-{fmt}.toml"
    path.write_text(
        f'db = "idle.db"\n[[sources]]\nid = "s"\nformat = "{fmt}"\npath = "unused"\n',
        encoding="utf-8",
    )
    return path


async def connections(url: str) -> int:
    """Return how many connections the feed server has seen (its `_connections` page)."""
    async with httpx.AsyncClient() as client:
        return int((await client.get(url.rsplit("/", 1)[0] + "/_connections")).text)


async def ours(tmp: Path, url: str, fmt: str, n: int) -> tuple[float, float, int]:
    """Return Soirée's CPU and wall time per idle poll of `url`, and the connections its
    `n` + 21 polls opened."""
    config = load(write_config(tmp, fmt))
    store = await open_store(str(tmp / f"idle-{fmt}-{time.monotonic_ns()}.db"))
    async with httpx.AsyncClient(follow_redirects=True) as client:
        clock = lambda: datetime.now(UTC)  # noqa: E731
        pipeline = Pipeline(store, config.rules, display_of(config), clock)
        source = HttpSource(url, client)
        poller = Poller(source_id="s", fmt=fmt, source=source, pipeline=pipeline,
                        interval=1.0, clock=clock)  # fmt: skip
        first = await poller.poll()
        if first is None or first.status != "accepted":
            raise RuntimeError(f"the first poll was not accepted: {first}")
        cpu, wall = await cpu_per_call(poller.poll, n)
    await store.close()
    return cpu, wall, await connections(url)


async def bare(url: str, etag: bool, n: int) -> tuple[float, float]:
    """Return a bare client's CPU and wall time per poll: a GET, or a GET and a hash."""
    async with httpx.AsyncClient() as client:
        tag = (await client.get(url)).headers.get("ETag")
        headers = {"If-None-Match": tag} if etag and tag else {}

        async def poll() -> None:
            resp = await client.get(url, headers=headers)
            if resp.status_code == 200:
                hashlib.sha256(resp.content).hexdigest()

        return await cpu_per_call(poll, n)


async def scenario(tmp: Path, label: str, fmt: str, body: bytes, etags: bool, n: int) -> None:
    """Measure one kind of idle poll of one body, ours and the bare baseline; print a row."""
    proc, url = server_process({"feed": body}, etags)
    try:
        cpu, wall, opened = await ours(tmp, f"{url}/feed", fmt, n)
        base_cpu, _ = await bare(f"{url}/feed", etags, n)
    finally:
        proc.terminate()
        proc.join()
    print(
        f"{label}: {1000 * cpu:.3f} ms CPU per poll ({1000 * wall:.3f} ms wall); bare httpx "
        f"{'GET' if etags else 'GET + sha256'} {1000 * base_cpu:.3f} ms, × {cpu / base_cpu:.2f}; "
        f"target ≤ {1000 * TARGET:g} ms: {verdict(cpu <= TARGET)}; the bot's {n + 21} polls "
        f"opened {opened} connection(s)",
        flush=True,
    )


async def main_async(opts: argparse.Namespace) -> None:
    """Run the four idle polls."""
    country = Country()
    big = max(country.sizes().items(), key=lambda kv: kv[1])[0]
    dept = country.departement(big, 1.0, version=1)
    national = national_json(1)
    print(f"P5 idle poll ({machine()}); {opts.polls} polls each, feed server in another process")
    with workdir(opts.keep) as tmp:
        for etags, kind in ((True, "304"), (False, "hash skip")):
            await scenario(tmp, f"national JSON {len(national)} B, {kind}", "canonical-json",
                           national, etags, opts.polls)  # fmt: skip
            await scenario(tmp, f"département file {len(dept) / 1e6:.1f} MB, {kind}",
                           "fr-interior-xml", dept, etags, opts.polls)  # fmt: skip


def main() -> None:
    """Parse the arguments and run."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--polls", type=int, default=500)
    args.add_argument("--keep", help="work in this folder and keep it")
    asyncio.run(main_async(args.parse_args()))


if __name__ == "__main__":
    main()
