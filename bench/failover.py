"""Failover: two `python -m bot run` on one PostgreSQL; the leader SIGKILLed during a
fan-out, `--kills` times (restarted each time, as a standby). Printed: the seconds from the
kill to the first alert sent by the new leader, median and worst, beside the lease.

PostgreSQL: $SOIREE_TEST_DATABASE_URL, or a throwaway server (pgserver), as the tests do.

    python -m bench.failover [--kills 10] [--lease 10] [--renewal 3] [--chats 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import time
from pathlib import Path

from bench.harness import machine, median, on_fake_telegram, wait_for
from tests.builders import feed_doc
from tests.faults.support import Instances, sends_of
from tests.postgres import server
from tests.support import chats, write_config

POLL = 1.0  # the source's poll interval, seconds


def config(tmp: Path, groups: list[int], lease: float, renewal: float) -> Path:
    """Write the instances' config: one file source polled every POLL s, `groups`."""
    path = write_config(tmp, "file:feed.json", extra=chats(*groups),
                        top=f"lease = {lease}\nlease_renewal = {renewal}")  # fmt: skip
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("interval = 0.05\ntimeout", f"interval = {POLL}\ntimeout"))
    return path


def publish(feed: Path, n: int) -> None:
    """Write a version with a race never seen before: one alert to every chat."""
    doc = feed_doc(n, {"hamon": 600, "valls": 400}, counted=300, race_id=f"r{n}", name=f"R{n}")
    feed.write_text(json.dumps(doc), encoding="utf-8")


async def measure(kills: int, lease: float, renewal: float, n_chats: int) -> list[float]:
    """Return the failover times, one per kill."""
    rng = random.Random(2022)
    groups = [-9000 - i for i in range(n_chats)]
    url = await server().fresh_database()
    times: list[float] = []
    async with on_fake_telegram(1.0, None) as (tmp, tg):
        pair = Instances(tmp, config(tmp, groups, lease, renewal), tg, url)
        try:
            await pair.start()
            await pair.start()
            for n in range(1, kills + 1):
                leader, base = await pair.leader(), len(tg.sent())
                publish(tmp / "feed.json", n)
                moment = base + rng.randrange(1, max(2, n_chats // 2))
                await wait_for(lambda m=moment: len(tg.sent()) >= m, patience=120)
                killed = time.monotonic()
                await pair.kill(leader)
                back = asyncio.create_task(pair.start())
                new = lambda k=killed, d=leader.tag: [  # noqa: E731
                    c for c in sends_of(tg, after=k) if c.who != d
                ]
                await wait_for(new, patience=lease * 3 + 30, what="the new leader's first send")
                times.append(new()[0].t - killed)
                print(f"kill {n}: {times[-1]:.2f} s", flush=True)
                await back
                await wait_for(lambda b=base: len(tg.sent()) >= b + n_chats, patience=120)
        finally:
            await pair.stop()
    return times


def main() -> None:
    """Measure and print the failover times."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--kills", type=int, default=10)
    args.add_argument("--lease", type=float, default=10.0)
    args.add_argument("--renewal", type=float, default=3.0)
    args.add_argument("--chats", type=int, default=50)
    opts = args.parse_args()
    # The fake logs each request a killed instance left half-written: expected here.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    load = os.getloadavg()[0]
    times = asyncio.run(measure(opts.kills, opts.lease, opts.renewal, opts.chats))
    print(
        f"failover over {len(times)} SIGKILLs (lease {opts.lease:g} s renewed every "
        f"{opts.renewal:g} s, poll {POLL:g} s): median {median(times):.2f} s, worst "
        f"{max(times):.2f} s; target: within lease + poll = {opts.lease + POLL:g} s"
    )
    print(f"machine: {machine()}; load average at the start {load:.1f}"
          + (" (loaded: other work was running)" if load > 1.0 else ""))  # fmt: skip


if __name__ == "__main__":
    main()
