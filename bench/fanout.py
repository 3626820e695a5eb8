"""P3, fan-out rate: one alert to 10,000 Telegram chats and 500 Slack channels.

The real bot (its own process, `bench.botproc`) sends through the real python-telegram-bot
and slack-sdk clients to the fakes of `tests/fakes`, which enforce the real limits
time-scaled by `--scale` (default ×10): Telegram 30 messages per second overall, 20 a
minute per group, one a second per chat; Slack one a second per channel, each window
divided by the scale. The bot's own windows and its dispatch interval are divided by the
same factor, so that the run is the real night played `--scale` times faster.

Why ×10, not ×100: on this machine the client stack itself (PTB over httpx, against an
aiohttp fake) tops out at a few hundred requests a second, so a ×100 ceiling (3,000 msg/s)
could not be reached by any bot. The run prints that ceiling, measured: a bare PTB
`send_message` loop in its own process, at the bot's concurrency, against the same fake with
its limits off. Counted by the fakes: 429 answers, and chats that got the alert twice.

    python -m bench.fanout [--chats 10000] [--channels 500] [--scale 10]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from pathlib import Path

from telegram import Bot
from telegram.request import HTTPXRequest

from bench.feeds import national_json
from bench.harness import (
    ROOT,
    FeedServer,
    alerts,
    bot_process,
    machine,
    verdict,
    wait_for,
    workdir,
)
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import OVERALL_PER_SECOND, FakeTelegram

TARGET = 0.95
CONCURRENCY = 16  # the Telegram adapter's concurrent sends


def write_config(tmp: Path, url: str, chats: int, channels: int, scale: float) -> Path:
    """Write a config: the national race, every chat and channel subscribed to it."""
    lines = [f'[[chats]]\nplatform = "telegram"\nid = {1_000_000 + i}\n' for i in range(chats)]
    lines += [f'[[chats]]\nplatform = "slack"\nid = "C{i:05d}"\n' for i in range(channels)]
    path = tmp / "fanout.toml"
    path.write_text(
        f'locale = "en"\ndb = "fanout.db"\nmain_races = ["national"]\n'
        f"dispatch_interval = {1.0 / scale}\n"
        f'[[sources]]\nid = "national"\nurl = "{url}/national.json"\ninterval = 0.2\n'
        + "".join(lines),
        encoding="utf-8",
    )
    return path


def env(tg: FakeTelegram, slack: FakeSlack) -> dict[str, str]:
    """Return the environment that points the bot at the fakes."""
    return {
        "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url,
        "TELEGRAM_POLL_TIMEOUT": "1", "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": "secret", "SLACK_API_BASE_URL": slack.api_url,
        "SLACK_HTTP_HOST": "127.0.0.1", "PORT": "0", "SOIREE_LOG_LEVEL": "WARNING",
    }  # fmt: skip


def duplicates(keys: list[object]) -> int:
    """Return how many sends went to a chat that already had one."""
    return sum(n - 1 for n in Counter(keys).values())


async def fan_out(opts: argparse.Namespace, tmp: Path, tg: FakeTelegram, slack: FakeSlack) -> None:
    """Run the bot, publish one alert, wait until every chat has it, print the figures."""
    feed = FeedServer()
    await feed.start()
    feed.publish("national.json", national_json(0))
    config = write_config(tmp, feed.url, opts.chats, opts.channels, opts.scale)
    try:
        async with bot_process(config, env(tg, slack), tmp / "fanout.log", opts.scale):
            await wait_for(lambda: any(c.method == "getupdates" for c in tg.calls), 300, "start")
            await wait_for(lambda: feed.served, 60, "a first poll")
            feed.publish("national.json", national_json(1))
            patience = 10 + 3 * opts.chats / (OVERALL_PER_SECOND * opts.scale)
            await wait_for(lambda: len(alerts(tg)) >= opts.chats, patience, "Telegram", 0.1)
            await wait_for(lambda: len(slack.posted()) >= opts.channels, 60, "Slack", 0.1)
            await asyncio.sleep(1.0)  # any late duplicate lands in the count
    finally:
        await feed.stop()
    report(opts, tg, slack, next(s.t for s in feed.served if s.status == 200 and s.t > 0))


def report(opts: argparse.Namespace, tg: FakeTelegram, slack: FakeSlack, published: float) -> None:
    """Print the Telegram rate against its ceiling, and what the fakes counted."""
    times = [c.t for c in alerts(tg)]
    steady = (len(times) - 1) / (times[-1] - times[0])
    ceiling = OVERALL_PER_SECOND * opts.scale
    slack_times = sorted(c.t for c in slack.posted())
    tg_429 = len(tg.refused(429))
    slack_429 = sum(c.status == 429 for c in slack.calls)
    dups = duplicates([c.params["chat_id"] for c in alerts(tg)])
    dups += duplicates([c.params["channel"] for c in slack.posted()])
    rate_ok = steady / ceiling >= TARGET
    print(
        f"Telegram: {len(times):,} chats in {times[-1] - times[0]:.1f} s = {steady:.0f} msg/s, "
        f"{100 * steady / ceiling:.1f} % of the {ceiling:.0f} msg/s ceiling (limits ×"
        f"{opts.scale:g}); {times[-1] - published:.1f} s from the feed's response to the last"
    )
    print(
        f"Slack: {len(slack_times)} channels in {slack_times[-1] - slack_times[0]:.1f} s; "
        f"429s: Telegram {tg_429}, Slack {slack_429}; duplicates: {dups}"
    )
    ok = rate_ok and tg_429 == 0 and slack_429 == 0 and dups == 0
    print(f"targets ≥ 95 %, 0 429s, 0 duplicates: {verdict(ok)}", flush=True)


async def client_ceiling(base_url: str, token: str, sends: int) -> float:
    """Return how many send_message a second bare PTB achieves at the bot's concurrency."""
    gate = asyncio.Semaphore(CONCURRENCY)
    request = HTTPXRequest(connection_pool_size=32, httpx_kwargs={"trust_env": False})
    async with Bot(token, base_url=base_url, request=request) as bot:

        async def one(i: int) -> None:
            async with gate:
                await bot.send_message(chat_id=5_000_000 + i, text=f"<b>ceiling</b> {i}")

        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(sends)))
        return sends / (time.perf_counter() - start)


async def measured_ceiling(sends: int) -> float:
    """Run `client_ceiling` in its own process against an unlimited fake; return its rate."""
    fake = FakeTelegram(scale=1e9)
    await fake.start()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.fanout", "--client-ceiling", fake.base_url,
            "--sends", str(sends), cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await proc.communicate()
    finally:
        await fake.stop()
    return float(out.decode().split()[-1])


async def main_async(opts: argparse.Namespace) -> None:
    """Measure the client's ceiling, then the fan-out."""
    if opts.client_ceiling:
        rate = await client_ceiling(opts.client_ceiling, FakeTelegram.token, opts.sends)
        print(f"{rate:.1f}")
        return
    print(
        f"P3 fan-out ({machine()}); {opts.chats:,} Telegram chats, {opts.channels} Slack "
        f"channels; fakes' limits and the bot's windows time-scaled ×{opts.scale:g}"
    )
    rate = await measured_ceiling(opts.sends)
    print(
        f"client stack's own ceiling (bare PTB, concurrency {CONCURRENCY}, no limits): "
        f"{rate:.0f} msg/s, {rate / (OVERALL_PER_SECOND * opts.scale):.1f} × the scaled ceiling",
        flush=True,
    )
    tg, slack = FakeTelegram(scale=opts.scale), FakeSlack(scale=opts.scale)
    await tg.start()
    await slack.start()
    try:
        with workdir(opts.keep) as tmp:
            await fan_out(opts, tmp, tg, slack)
    finally:
        await tg.stop()
        await slack.stop()


def main() -> None:
    """Parse the arguments and run."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--chats", type=int, default=10_000)
    args.add_argument("--channels", type=int, default=500)
    args.add_argument("--scale", type=float, default=10.0)
    args.add_argument("--sends", type=int, default=2000, help="sends for the client's ceiling")
    args.add_argument("--keep", help="work in this folder and keep it")
    args.add_argument("--client-ceiling", help=argparse.SUPPRESS)
    asyncio.run(main_async(args.parse_args()))


if __name__ == "__main__":
    main()
