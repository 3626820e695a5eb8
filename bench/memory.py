"""P4, memory: the bot's peak RSS with the 35,000-commune feed loaded and 10,000 subscriptions.

The real bot (its own process, limits and windows time-scaled like `bench.fanout`) polls
`FE.xml` and the 101 département files of `bench.feeds` and has 10,000 Telegram chats
subscribed: 4,000 to France entière, 4,000 to a département each, 2,000 to a commune each.
The feed arrives in two waves, as on a night: every file with 60 % of its communes in, then
every file complete; each wave alerts its subscribers, and the run ends when the second
wave's alerts are out. The peak is the kernel's high-water mark of the bot's resident set
(`VmHWM` in /proc/PID/status).

Baseline, in the same run: the same bot before any file is published (the Ministry's
404 "not published yet"), with its libraries, its adapters and the 10,000 subscriptions
loaded; and the feed's own size in bytes.

    python -m bench.memory [--chats 10000] [--scale 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from pathlib import Path

from bench.feeds import Country
from bench.harness import (
    FeedServer,
    bot_process,
    machine,
    proc_status_kb,
    verdict,
    wait_for,
    workdir,
)
from tests.fakes.telegram import FakeTelegram

TARGET_MB = 150.0


def subscriptions(country: Country, chats: int) -> str:
    """Return `[[chats]]` entries: 40 % France entière, 40 % a département, 20 % a commune."""
    rng = random.Random(f"{country.seed}:subscriptions")
    sizes = country.sizes()
    depts = list(sizes)
    out = []
    for i in range(chats):
        dept = rng.choice(depts)
        code3 = dept.zfill(3) if dept[:1].isdigit() else dept
        race = ["FE", f"D{code3}", f"C{code3}{rng.randint(1, sizes[dept]):03d}"][
            0 if i % 5 < 2 else 1 if i % 5 < 4 else 2
        ]
        out.append(f'[[chats]]\nplatform = "telegram"\nid = {2_000_000 + i}\nraces = ["{race}"]\n')
    return "".join(out)


def write_config(tmp: Path, url: str, country: Country, chats: int, scale: float) -> Path:
    """Write the Ministry config with the subscribed chats."""
    urls = [f"{url}/FE.xml", *(f"{url}/{d}com.xml" for d in country.sizes())]
    path = tmp / "memory.toml"
    path.write_text(
        f'locale = "fr"\ndb = "memory.db"\nmain_races = ["FE"]\n'
        f"dispatch_interval = {1.0 / scale}\n"
        f'[[sources]]\nid = "min"\nformat = "fr-interior-xml"\ninterval = 1.0\n'
        f"urls = [{', '.join(json.dumps(u) for u in urls)}]\n"
        f"[sources.options]\nround = 1\n" + subscriptions(country, chats),
        encoding="utf-8",
    )
    return path


async def wave(feed: FeedServer, country: Country, received: float, version: int) -> int:
    """Publish every file at this share of communes received; return the bytes published."""
    feed.publish("FE.xml", country.france(version))
    size = len(feed.files["FE.xml"])
    for dept in country.sizes():
        feed.publish(f"{dept}com.xml", country.departement(dept, received, version))
        size += len(feed.files[f"{dept}com.xml"])
    return size


async def served_all(feed: FeedServer, since: float) -> None:
    """Wait until every file's current version has been fetched."""
    await wait_for(
        lambda: all(feed.sent_200(p, feed._tags[p], since) for p in feed.files), 600, "a wave"
    )


async def run(opts: argparse.Namespace, tmp: Path, tg: FakeTelegram) -> None:
    """Start the bot on an unpublished feed, take its baseline, play two waves, print."""
    country = Country()
    feed = FeedServer()
    await feed.start()
    config = write_config(tmp, feed.url, country, opts.chats, opts.scale)
    env = {"TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url,
           "TELEGRAM_POLL_TIMEOUT": "1", "SOIREE_LOG_LEVEL": "WARNING"}  # fmt: skip
    try:
        async with bot_process(config, env, tmp / "memory.log", opts.scale) as proc:
            await wait_for(lambda: any(c.method == "getupdates" for c in tg.calls), 300, "start")
            await wait_for(lambda: len(feed.served) > 2 * len(country.sizes()), 60, "404 polls")
            base = (proc_status_kb(proc.pid, "VmRSS") or 0) / 1024
            started = time.monotonic()
            size = await wave(feed, country, 0.6, version=1)
            await served_all(feed, started)
            second = time.monotonic()
            await wave(feed, country, 1.0, version=2)
            await served_all(feed, second)
            await wait_for(lambda: len(tg.sent()) >= opts.chats, 900, "the alerts", 0.5)
            took = time.monotonic() - started
            peak = (proc_status_kb(proc.pid, "VmHWM") or 0) / 1024
            now = (proc_status_kb(proc.pid, "VmRSS") or 0) / 1024
    finally:
        await feed.stop()
    print(
        f"peak RSS {peak:.1f} MB (now {now:.1f} MB) after two waves of the feed "
        f"({size / 1e6:.1f} MB a wave) and {len(tg.sent()):,} alerts in {took:.0f} s; "
        f"baseline (same bot, nothing published yet) {base:.1f} MB, so the feed and its "
        f"alerts add {peak - base:.1f} MB; target ≤ {TARGET_MB:g} MB: {verdict(peak <= TARGET_MB)}"
    )


async def main_async(opts: argparse.Namespace) -> None:
    """Run against a fake Bot API."""
    print(f"P4 memory ({machine()}); {opts.chats:,} subscriptions, limits ×{opts.scale:g}")
    tg = FakeTelegram(scale=opts.scale)
    await tg.start()
    try:
        with workdir(opts.keep) as tmp:
            await run(opts, tmp, tg)
    finally:
        await tg.stop()


def main() -> None:
    """Parse the arguments and run."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--chats", type=int, default=10_000)
    args.add_argument("--scale", type=float, default=10.0)
    args.add_argument("--keep", help="work in this folder and keep it")
    asyncio.run(main_async(args.parse_args()))


if __name__ == "__main__":
    main()
