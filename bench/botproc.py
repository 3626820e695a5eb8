"""`python -m bot run`, with the platforms' rate-limit windows divided by `--rate-scale`.

For benchmarks against the time-scaled fakes only: the same `bot.app.run` with the same
signals, and `Options.rate_scale`, which the command line does not offer (a real night
must keep the real limits).

    python -m bench.botproc CONFIG --rate-scale 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from pathlib import Path

from bot import logs
from bot.app import Options, run
from bot.config import load


def main() -> None:
    """Run the bot on CONFIG until SIGTERM or SIGINT."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("config", type=Path)
    args.add_argument("--rate-scale", type=float, default=1.0)
    opts = args.parse_args()
    logs.setup(os.environ.get("SOIREE_LOG_LEVEL", "INFO"))
    config = load(opts.config)

    async def main_loop() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run(config, Options(rate_scale=opts.rate_scale), stop)

    asyncio.run(main_loop())


if __name__ == "__main__":
    main()
