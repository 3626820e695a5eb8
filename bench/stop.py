"""Stopping: SIGTERM in the middle of a wave, how long until the bot exits.

The bot of `bench.memory` (10,000 subscriptions, 102 Ministry sources, default `[charts]`)
gets the first wave; once `--after` versions are stored, it gets SIGTERM. Printed: the
seconds until it exited and the versions stored then (a version being processed finishes
and is recorded; none is cut between its sends and their record).

    python -m bench.stop [--after 15]
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sqlite3
import time
from pathlib import Path

from bench.feeds import Country
from bench.harness import FeedServer, bot_process, machine, on_fake_telegram, wait_for
from bench.memory import wave, write_config
from tests.fakes.telegram import FakeTelegram


def stored(db: Path) -> int:
    """Return how many versions the bot has stored."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM snapshots").fetchone()[0])
    except sqlite3.Error:
        return 0


async def run(opts: argparse.Namespace, tmp: Path, tg: FakeTelegram) -> None:
    """Start the bot, publish a wave, stop it in the middle, print how long it took."""
    country = Country()
    feed = FeedServer()
    await feed.start()
    config = write_config(tmp, feed.url, country, 10_000, 10.0)
    env = {"TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url,
           "TELEGRAM_POLL_TIMEOUT": "1", "SOIREE_LOG_LEVEL": "WARNING"}  # fmt: skip
    db = tmp / "memory.db"
    try:
        async with bot_process(config, env, tmp / "stop.log", 10.0) as proc:
            await wait_for(lambda: any(c.method == "getupdates" for c in tg.calls), 300, "start")
            await wave(feed, country, 0.6, version=1)
            await wait_for(lambda: stored(db) >= opts.after, 600, "the first versions", 0.2)
            before = stored(db)
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            await proc.wait()
            took = time.monotonic() - started
    finally:
        await feed.stop()
    print(
        f"SIGTERM with {before} of {len(country.sizes()) + 1} versions stored: exited in "
        f"{took:.1f} s (code {proc.returncode}), {stored(db)} versions stored at exit"
    )


async def main_async(opts: argparse.Namespace) -> None:
    """Run against a fake Bot API."""
    print(f"Stopping mid-wave ({machine()})")
    async with on_fake_telegram(10.0, opts.keep) as (tmp, tg):
        await run(opts, tmp, tg)


def main() -> None:
    """Parse the arguments and run."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--after", type=int, default=15, help="versions stored before SIGTERM")
    args.add_argument("--keep", help="work in this folder and keep it")
    asyncio.run(main_async(args.parse_args()))


if __name__ == "__main__":
    main()
