"""Benchmark of the results chart: time to draw, PNG size, and what the cache saves.

    python -m bench.charts [--repeat 20]

Pillow's import (once per process); for 2, 5 and 12 candidates: the first drawing
(font loading included for the first), then the median and worst of `--repeat` drawings,
and the PNG size; then the chart service asked for one snapshot by `--repeat` chats at
once (one drawing).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.charts import Charts
from bot.config import load
from bot.models import Candidate, Race, Units, replace, with_computed_shares
from bot.render.chart import ChartStyle, render_png

NAMES = [
    "Benoît Hamon", "Manuel Valls", "Arnaud Montebourg", "Vincent Peillon", "François de Rugy",
    "Sylvia Pinel", "Jean-Luc Bennahmias", "Ségolène Éluard", "Noël Mamère", "Hélène Bidard",
    "Gaël Perdriau", "Zoé Lefèvre",
]  # fmt: skip
AT = datetime(2017, 1, 29, 21, 30, tzinfo=UTC)
DEMO = Path(__file__).resolve().parent.parent / "config" / "demo.toml"
STYLE = ChartStyle(locale="fr", tz=ZoneInfo("Europe/Paris"), source="Haute autorité")


def race(n: int) -> Race:
    cands = tuple(
        Candidate(id=f"c{i}", name=NAMES[i], votes=10_000 * (n + 1 - i)) for i in range(n)
    )
    units = Units(counted=4422, total=7370)
    return with_computed_shares(Race(id="national", name="Primaire", units=units,
                                     candidates=cands))  # fmt: skip


def draw_times(n: int, repeat: int) -> tuple[float, list[float], int]:
    started = time.perf_counter()
    png = render_png(race(n), AT, STYLE)
    first = time.perf_counter() - started
    times = []
    for i in range(repeat):
        version = replace(race(n), units=Units(counted=4422 + i, total=7370))
        started = time.perf_counter()
        render_png(version, AT, STYLE)
        times.append(time.perf_counter() - started)
    return first, times, len(png)


async def shared(repeat: int) -> tuple[float, int]:
    config = load(DEMO)
    charts = Charts(config.charts, config.tz, config.chats)
    await charts.warm()
    started = time.perf_counter()
    images = await asyncio.gather(*(charts.image(race(2), AT, "fr") for _ in range(repeat)))
    elapsed = time.perf_counter() - started
    charts.close()
    assert len({i.key for i in images if i}) == 1
    return elapsed, charts.drawn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    import PIL.ImageDraw  # noqa: F401  (what Charts.warm() does at start-up)

    print(f"Pillow import: {(time.perf_counter() - started) * 1000:.0f} ms, once per process")
    for n in (2, 5, 12):
        first, times, size = draw_times(n, args.repeat)
        print(
            f"{n:>2} candidates: first drawing {first * 1000:.0f} ms, then median "
            f"{statistics.median(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms over "
            f"{args.repeat}; PNG {size / 1000:.1f} kB"
        )
    elapsed, drawn = asyncio.run(shared(args.repeat))
    print(
        f"one snapshot asked by {args.repeat} chats at once: {drawn} drawing, "
        f"{elapsed * 1000:.0f} ms for all"
    )


if __name__ == "__main__":
    main()
