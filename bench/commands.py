"""P6, command latency while the bot works: /results answered on Telegram, acknowledged on Slack.

The real bot (`python -m bot run`, real limits) follows two sources: the national race
(canonical JSON) with `--chats` Telegram chats subscribed to it, and the 35,000-commune
Ministry feed as one whole-country file (no chat follows its communes: the version is
parsed, diffed and recorded). Commands come from chats that follow nothing, one every
`--gap` seconds, in three phases of the same run:

- idle: the feed loaded, nothing to do (the baseline);
- parse: a new version of the 35,000-commune file is being parsed and diffed, until the
  bot counts it in `soiree_versions` (its /metrics);
- fan-out: one reporting step of the national race goes to every subscribed chat, at
  Telegram's limits (30 messages a second overall, one a second per chat); measured while
  more than `--chats` / 2 alerts are still to go.

Telegram: from the moment the fake Bot API holds the command (its getUpdates answers at
once) to the moment it receives the reply's sendMessage. Slack: a signed slash command
posted to the bot's endpoint, from the POST to its 200 (the acknowledgement; the answer
follows on response_url). Both clocks are this process's CLOCK_MONOTONIC; nothing in the
bot is patched.

    python -m bench.commands [--chats 10000] [--per-phase 30] [--gap 0.2]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import time
from pathlib import Path

import httpx

from bench.feeds import CANDIDATES, SEED, figures, ministry_file, national_json
from bench.harness import (
    FeedServer,
    alerts,
    bot_process,
    machine,
    median,
    percentile,
    verdict,
    wait_for,
    workdir,
)
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import FakeTelegram
from tests.support import SECRET, signed, slash

TARGET = 0.200  # p99, seconds
COMMUNES = 35_000
ASKER = 9_000_000  # Telegram chats that ask, following nothing
SERVING = "slack: serving slash commands at "


def country(version: int, communes: int = COMMUNES) -> bytes:
    """Return every commune in one Ministry file, its figures drawn anew for each version."""
    rng = random.Random(f"{SEED}:{version}")
    rows = (
        (f"{i:05d}", f"Commune n° {i}", figures(rng, CANDIDATES)) for i in range(1, communes + 1)
    )
    return ministry_file("99", rows, version=8100 + version)


def write_config(tmp: Path, url: str, chats: int) -> Path:
    """Write a config: the national race to `chats` chats, the country file to nobody."""
    lines = [f'[[chats]]\nplatform = "telegram"\nid = {1_000_000 + i}\nraces = ["national"]\n'
             for i in range(chats)]  # fmt: skip
    path = tmp / "commands.toml"
    path.write_text(
        'locale = "en"\ndb = "commands.db"\nmain_races = ["national"]\n'
        f'[[sources]]\nid = "national"\nurl = "{url}/national.json"\ninterval = 0.5\n'
        f'[[sources]]\nid = "country"\nformat = "fr-interior-xml"\nurl = "{url}/country.xml"\n'
        "interval = 0.5\nmax_bytes = 200_000_000\n" + "".join(lines),
        encoding="utf-8",
    )
    return path


def env(tg: FakeTelegram, slack: FakeSlack) -> dict[str, str]:
    """Return the environment that points the bot at the fakes (Slack over HTTP)."""
    return {
        "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url,
        "TELEGRAM_POLL_TIMEOUT": "1", "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_BASE_URL": slack.api_url,
        "SLACK_HTTP_HOST": "127.0.0.1", "PORT": "0", "SOIREE_LOG_LEVEL": "INFO",
    }  # fmt: skip


class Asker:
    """Sends /results from new chats and times the answers."""

    def __init__(self, tg: FakeTelegram, slack: FakeSlack, url: str) -> None:
        self.tg, self.slack, self.url = tg, slack, url
        self.next_chat = ASKER
        self.split: list[tuple[float, float]] = []  # each reply: (seconds in all, to getUpdates)
        self.client = httpx.AsyncClient(trust_env=False, timeout=30)

    async def telegram(self) -> float:
        """Return the seconds from a /results put to the fake to the bot's reply."""
        chat, self.next_chat = self.next_chat, self.next_chat + 1
        seen = len(self.tg.calls)
        start = time.monotonic()
        self.tg.push_command("/results", chat_id=chat, chat_type="private", language="en")
        await wait_for(lambda: self._replied(chat, seen), 120, f"a reply in chat {chat}", 0.002)
        took = self._replied(chat, seen) - start  # type: ignore[operator]
        polls = (c for c in self.tg.calls[seen:] if c.method == "getupdates")
        handed = min((c.answered for c in polls if c.answered > start), default=start)
        self.split.append((took, handed - start))
        return took

    def _replied(self, chat: int, seen: int) -> float | None:
        for call in self.tg.calls[seen:]:
            if call.method in ("sendmessage", "sendphoto") and call.params.get("chat_id") in (
                chat, str(chat)
            ):  # fmt: skip
                return float(call.t)
        return None

    async def slack_ack(self) -> float:
        """Return the seconds from posting a signed /results to the bot's 200."""
        body, headers = signed(slash(self.slack, "/results", "", channel="C77"))
        start = time.monotonic()
        response = await self.client.post(self.url, content=body, headers=headers)
        took = time.monotonic() - start
        response.raise_for_status()
        return took

    async def phase(self, n: int, gap: float, going: object = None) -> tuple[list[float], ...]:
        """Ask `n` times on each platform, `gap` apart, while `going()` holds (if given)."""
        tg_times: list[float] = []
        slack_times: list[float] = []
        for _ in range(n):
            if callable(going) and not going():
                break
            tg_task = asyncio.ensure_future(self.telegram())
            slack_times.append(await self.slack_ack())
            await asyncio.sleep(gap)
            tg_times.append(await tg_task)
        return tg_times, slack_times


def served_url(log: Path) -> str | None:
    """Return the bot's Slack endpoint, from its log."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    found = re.search(re.escape(SERVING) + r"(\S+)", text)
    return "http://" + found.group(1) if found else None


async def versions(client: httpx.AsyncClient, base: str) -> int:
    """Return how many versions the bot has processed, from its /metrics."""
    text = (await client.get(base + "/metrics")).text
    return int(sum(float(v) for v in re.findall(r"^soiree_versions\S*\s+([0-9.e+]+)$", text, re.M)))


def too_many(tg: FakeTelegram, since: float) -> None:
    """Print the 429s the fake Bot API answered since then, and how many were replies."""
    refused = [c for c in tg.refused(429) if c.t >= since]
    replies = [c for c in refused if int(c.params.get("chat_id", 0)) >= ASKER]
    print(f"(429s answered in the phase: {len(refused)}, of which to replies: {len(replies)})")


def line(name: str, tg_times: list[float], slack_times: list[float], base: float | None) -> float:
    """Print one phase's figures; return its worst p99."""
    if not tg_times:
        print(f"{name}: no command could be timed in this phase")
        return 0.0
    p99 = max(percentile(tg_times, 99), percentile(slack_times, 99))
    ratio = f"; × {p99 / base:.1f} the idle p99" if base else ""
    print(
        f"{name}: Telegram /results answered, median {1000 * median(tg_times):.0f} ms, p99 "
        f"{1000 * percentile(tg_times, 99):.0f} ms ({len(tg_times)}); Slack acknowledged, "
        f"median {1000 * median(slack_times):.0f} ms, p99 "
        f"{1000 * percentile(slack_times, 99):.0f} ms ({len(slack_times)}){ratio}",
        flush=True,
    )
    return p99


async def run(opts: argparse.Namespace, tmp: Path, tg: FakeTelegram, slack: FakeSlack) -> None:
    """Run the bot through the three phases and print each one's figures."""
    feed = FeedServer()
    await feed.start()
    feed.publish("national.json", national_json(0))
    feed.publish("country.xml", country(0, opts.communes))
    log = tmp / "commands.log"
    async with bot_process(write_config(tmp, feed.url, opts.chats), env(tg, slack), log):
        await wait_for(lambda: served_url(log), 300, "the Slack endpoint")
        url = str(served_url(log))
        base = url.rsplit("/slack/", 1)[0]
        asker = Asker(tg, slack, url)
        try:
            await wait_for(lambda: any(c.method == "getupdates" for c in tg.calls), 300, "start")
            loaded = time.monotonic()
            deadline = loaded + 600
            while await versions(asker.client, base) < 2:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the first versions were not processed; see {log}")
                await asyncio.sleep(0.2)
            print(f"first versions processed {time.monotonic() - loaded:.1f} s after start")
            idle = line("idle", *await asker.phase(opts.per_phase, opts.gap), None)
            done = await versions(asker.client, base)
            feed.publish("country.xml", country(1, opts.communes))
            busy = [done]

            async def track() -> None:
                while busy[0] <= done:
                    busy[0] = await versions(asker.client, base)
                    await asyncio.sleep(0.1)

            tracker = asyncio.ensure_future(track())
            started = time.monotonic()
            parse = await asker.phase(opts.per_phase * 4, opts.gap, lambda: busy[0] <= done)
            await tracker
            print(f"(the new version took {time.monotonic() - started:.1f} s to process)")
            worst = line("parse + diff of 35,000 communes", *parse, idle)
            before = len(alerts(tg))
            feed.publish("national.json", national_json(1))
            await wait_for(lambda: len(alerts(tg)) > before, 900, "the fan-out's first alert")
            half = before + opts.chats // 2
            since, asker.split = time.monotonic(), []
            fan = await asker.phase(opts.per_phase * 4, opts.gap, lambda: len(alerts(tg)) < half)
            sent = len(alerts(tg)) - before
            too_many(tg, since)
            slowest = (f"{1000 * a:.0f}/{1000 * b:.0f} ms" for a, b in sorted(asker.split)[-5:])
            print(f"(slowest replies, in all / until getUpdates gave them: {', '.join(slowest)})")
            worst = max(worst, line(f"fan-out to {opts.chats:,} chats ({sent:,} sent)", *fan, idle))
            print(f"target p99 ≤ {1000 * TARGET:.0f} ms while busy: {verdict(worst <= TARGET)}")
        finally:
            await asker.client.aclose()
    await feed.stop()


async def main_async(opts: argparse.Namespace) -> None:
    """Start the fakes, run, stop."""
    print(f"P6 command latency ({machine()}; real limits, bot in its own process)", flush=True)
    tg, slack = FakeTelegram(), FakeSlack()
    await tg.start()
    await slack.start()
    try:
        with workdir(opts.keep) as tmp:
            await run(opts, tmp, tg, slack)
    finally:
        await tg.stop()
        await slack.stop()


def main() -> None:
    """Parse the arguments and run."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--chats", type=int, default=10_000)
    args.add_argument("--communes", type=int, default=COMMUNES)
    args.add_argument("--per-phase", type=int, default=30)
    args.add_argument("--gap", type=float, default=0.2)
    args.add_argument("--keep", help="work in this folder and keep it")
    asyncio.run(main_async(args.parse_args()))


if __name__ == "__main__":
    main()
