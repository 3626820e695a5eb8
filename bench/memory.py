"""P4, memory: the bot's peak RSS with the 35,000-commune feed loaded and 10,000 subscriptions.

The real bot (its own process, limits and windows time-scaled like `bench.fanout`) polls
`FE.xml` and the 101 département files of `bench.feeds` and has 10,000 Telegram chats
subscribed: 4,000 to France entière, 4,000 to a département each, 2,000 to a commune each.
The feed arrives in two waves, as on a night: every file with 60 % of its communes in, then
every file complete; each wave alerts its subscribers (as text, or as a photo with its
chart: the default `[charts]`), and the run ends when every file's second wave is
stored and the outbox is empty (read from the bot's own database). The peak is the
kernel's high-water mark of the bot's resident set (`VmHWM` in /proc/PID/status); the
resident set is also sampled every 0.2 s, and its highest value in each phase printed.

Baseline, in the same run: the same bot before any file is published (the Ministry's
404 "not published yet"), with its libraries, its adapters and the 10,000 subscriptions
loaded; the feed's own size in bytes; and what the imports alone cost (a bare interpreter,
then Soirée's modules, then Pillow, the charts' renderer, which the bot loads in its chart
thread at start).

`--charts off` runs the same with `[charts] send_with = []` (text alerts only), to tell
the charts' share of the peak.

    python -m bench.memory [--chats 10000] [--scale 10] [--charts default|off]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench.feeds import Country
from bench.harness import (
    ROOT,
    FeedServer,
    alerts,
    bot_process,
    machine,
    on_fake_telegram,
    proc_status_kb,
    verdict,
    wait_for,
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


def write_config(
    tmp: Path, url: str, country: Country, chats: int, scale: float, charts: str = "default"
) -> Path:
    """Write the Ministry config with the subscribed chats (and charts off, if asked)."""
    urls = [f"{url}/FE.xml", *(f"{url}/{d}com.xml" for d in country.sizes())]
    path = tmp / "memory.toml"
    path.write_text(
        f'locale = "fr"\ndb = "memory.db"\nmain_races = ["FE"]\n'
        f"dispatch_interval = {1.0 / scale}\n"
        f'[[sources]]\nid = "min"\nformat = "fr-interior-xml"\ninterval = 1.0\n'
        f"urls = [{', '.join(json.dumps(u) for u in urls)}]\n"
        f"[sources.options]\nround = 1\n"
        + subscriptions(country, chats)
        + ("" if charts == "default" else "[charts]\nsend_with = []\n"),
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


IMPORTS = """
import sys
def rss(): return int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) / 1024
out = [rss()]
import bot.app, bot.adapters.telegram, bot.formats.ministry
out.append(rss())
import PIL.Image, PIL.ImageDraw, PIL.ImageFont, bot.render.chart
out.append(rss())
print(*out)
"""


def import_cost() -> tuple[float, float, float]:
    """Return the RSS in MB of a bare interpreter, with the modules this bot loads (the
    Telegram adapter, the Ministry parser), and with the charts' renderer (Pillow) too."""
    out = subprocess.run([sys.executable, "-c", IMPORTS], capture_output=True, text=True,
                         check=True, cwd=ROOT)  # fmt: skip
    bare, ours, charts = (float(x) for x in out.stdout.split())
    return bare, ours, charts


class Sampler:
    """Samples a process's RSS; remembers the highest value of each named phase."""

    def __init__(self, pid: int) -> None:
        self.pid, self.phase, self.peaks = pid, "start", {"start": 0.0}
        self._task = asyncio.create_task(self._run())

    def enter(self, phase: str) -> None:
        """Start a new phase."""
        self.phase = phase
        self.peaks[phase] = 0.0

    async def _run(self) -> None:
        while True:
            mb = (proc_status_kb(self.pid, "VmRSS") or 0) / 1024
            self.peaks[self.phase] = max(self.peaks[self.phase], mb)
            await asyncio.sleep(0.2)

    def stop(self) -> str:
        """Stop sampling; describe each phase's peak."""
        self._task.cancel()
        return ", ".join(f"{phase} {mb:.0f}" for phase, mb in self.peaks.items())


def finished(db: Path, sources: int) -> bool:
    """Return True when every source's last version (the second wave's, the newest data
    time) is stored and the outbox is empty. A first-wave version may never be stored: a
    poll that timed out on a busy machine reads the second wave next, and rightly so."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            last = conn.execute(
                "SELECT count(DISTINCT source) FROM snapshots "
                "WHERE updated_at = (SELECT max(updated_at) FROM snapshots)"
            ).fetchone()[0]
            pending = conn.execute("SELECT count(*) FROM outbox WHERE status='pending'")
            return bool(last >= sources and pending.fetchone()[0] == 0)
    except sqlite3.Error:
        return False


def stored(db: Path) -> int:
    """Return how many versions the bot stored."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
        return int(conn.execute("SELECT count(*) FROM snapshots").fetchone()[0])


async def run(opts: argparse.Namespace, tmp: Path, tg: FakeTelegram) -> None:
    """Start the bot on an unpublished feed, take its baseline, play two waves, print."""
    country = Country()
    feed = FeedServer()
    await feed.start()
    config = write_config(tmp, feed.url, country, opts.chats, opts.scale, opts.charts)
    env = {"TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url,
           "TELEGRAM_POLL_TIMEOUT": "1", "SOIREE_LOG_LEVEL": "WARNING"}  # fmt: skip
    try:
        async with bot_process(config, env, tmp / "memory.log", opts.scale) as proc:
            await wait_for(lambda: any(c.method == "getupdates" for c in tg.calls), 300, "start")
            await wait_for(lambda: len(feed.served) > 2 * len(country.sizes()), 60, "404 polls")
            base = (proc_status_kb(proc.pid, "VmRSS") or 0) / 1024
            sampler = Sampler(proc.pid)
            sampler.enter("wave 1")
            started = time.monotonic()
            size = await wave(feed, country, 0.6, version=1)
            await served_all(feed, started)
            sampler.enter("wave 2")
            second = time.monotonic()
            await wave(feed, country, 1.0, version=2)
            await served_all(feed, second)
            sampler.enter("last alerts")
            sources, db = len(country.sizes()) + 1, tmp / "memory.db"
            await wait_for(lambda: finished(db, sources), 1800, "the alerts", 1.0)
            took = time.monotonic() - started
            peak = (proc_status_kb(proc.pid, "VmHWM") or 0) / 1024
            now = (proc_status_kb(proc.pid, "VmRSS") or 0) / 1024
            phases = sampler.stop()
            stopping = time.monotonic()
        stopped = time.monotonic() - stopping
    finally:
        await feed.stop()
    bare, ours, charts = import_cost()
    photos, kept = len(tg.answered("sendphoto")), stored(db)
    print(
        f"peak RSS {peak:.1f} MB (now {now:.1f} MB) after two waves of the feed "
        f"({size / 1e6:.1f} MB a wave) and {len(alerts(tg)):,} alerts ({photos:,} with a chart) "
        f"in {took:.0f} s ({kept} of {2 * sources} versions stored); baseline (same bot, "
        f"nothing published yet) {base:.1f} MB, so the "
        f"feed and its alerts add {peak - base:.1f} MB; target ≤ {TARGET_MB:g} MB: "
        f"{verdict(peak <= TARGET_MB)}\n"
        f"RSS peaks by phase (MB): {phases}; stopped {stopped:.1f} s after SIGTERM\n"
        f"imports alone: bare Python {bare:.0f} MB, with Soirée's modules {ours:.0f} MB, "
        f"with Pillow, the charts' renderer, {charts:.0f} MB"
    )


async def main_async(opts: argparse.Namespace) -> None:
    """Run against a fake Bot API."""
    print(
        f"P4 memory ({machine()}); {opts.chats:,} subscriptions, limits ×{opts.scale:g}; "
        f"charts: {'default [charts]' if opts.charts == 'default' else 'off (send_with = [])'}"
    )
    async with on_fake_telegram(opts.scale, opts.keep) as (tmp, tg):
        await run(opts, tmp, tg)


def main() -> None:
    """Parse the arguments and run."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--chats", type=int, default=10_000)
    args.add_argument("--scale", type=float, default=10.0)
    args.add_argument("--charts", choices=["default", "off"], default="default")
    args.add_argument("--keep", help="work in this folder and keep it")
    asyncio.run(main_async(args.parse_args()))


if __name__ == "__main__":
    main()
