"""P2, parse cost: Soirée's parse + validate + diff, divided by a bare parse of the same bytes.

On the seeded 35,000-commune feed (`bench.feeds`), three ways it can arrive:

- the 101 département files of the Ministry (`{dep}com.xml`, 110 MB in all), each parsed
  by `ministry.parse` and diffed; baseline: `lxml.etree.fromstring` of each file, and
  `xml.etree.ElementTree.fromstring`;
- the same communes in one Ministry file (the whole-country worst case, 110 MB);
- the same communes as one canonical JSON document; baseline: `json.loads`.

"Diff" is `diff(None → snapshot)`: every race's anomaly checks and opening events, the most
a version can cost (a re-poll of the same figures costs less). Each figure is the best of
`--repeat` runs, ours and the baselines alike; each full-tree baseline runs in a forked
child, so that a tree freed by one does not leave the next a larger heap.

    python -m bench.parse_cost [--repeat 3] [--communes 35000]
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

from lxml import etree

from bench.feeds import Country, canonical_country, generate
from bench.harness import machine, verdict
from bot.diff import diff
from bot.formats import canonical, ministry
from bot.rules import Rules

TARGET = 3.0  # the XML readers against lxml and ElementTree
JSON_TARGET = 2.0  # the canonical reader against json.loads (issue 18, item 3)
RULES = Rules()
NOW = datetime(2022, 4, 10, 20, tzinfo=UTC)


def best(work: Callable[[], Any], repeat: int) -> float:
    """Return the best wall time of `repeat` runs of `work`, each after a full collection."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def forked(work: Callable[[], Any], repeat: int) -> float:
    """Run `best(work)` in a forked child and return its figure."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(work, repeat, send))
    child.start()
    elapsed = float(receive.recv())
    child.join()
    return elapsed


def _child(work: Callable[[], Any], repeat: int, send: Connection) -> None:
    send.send(best(work, repeat))


def lxml_parse(data: bytes) -> object:
    """Parse to a full lxml tree, entities off, as a careful bare reader would."""
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def ours_xml(files: list[bytes]) -> None:
    """Parse, validate and diff each Ministry file as the pipeline does."""
    for data in files:
        diff(None, ministry.parse(data, "bench", {}, NOW), RULES, NOW)


def ours_json(data: bytes) -> None:
    """Parse, validate and diff a canonical document as the pipeline does."""
    diff(None, canonical.parse(data, "bench", {}, NOW), RULES, NOW)


def row(label: str, ours: float, base: float, base_label: str, target: float = TARGET) -> None:
    """Print one ratio against its target."""
    ratio = ours / base
    print(
        f"{label}: Soirée {ours:.2f} s, {base_label} {base:.2f} s, × {ratio:.2f} "
        f"(target ≤ × {target:g}: {verdict(ratio <= target)})",
        flush=True,
    )


def main() -> None:
    """Generate the feeds, time each reading of them, print the ratios."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--repeat", type=int, default=3)
    args.add_argument("--communes", type=int, default=35_000)
    opts = args.parse_args()
    country = Country(communes=opts.communes)
    depts = [country.departement(d) for d in country.sizes()]
    whole = generate(opts.communes)
    doc = canonical_country(country)
    mb = sum(map(len, depts)) / 1e6
    print(f"P2 parse cost ({machine()}); {opts.communes:,} communes × 10 candidates, seeded")
    print(f"  {len(depts)} département files {mb:.1f} MB; one file {len(whole) / 1e6:.1f} MB; "
          f"canonical JSON {len(doc) / 1e6:.1f} MB; best of {opts.repeat}")  # fmt: skip
    n = opts.repeat
    ours = best(lambda: ours_xml(depts), n)
    row("département files", ours, forked(lambda: [lxml_parse(d) for d in depts], n), "lxml")
    row("département files", ours, forked(lambda: [ET.fromstring(d) for d in depts], n), "ET")
    ours = best(lambda: ours_xml([whole]), n)
    row("one whole-country file", ours, forked(lambda: lxml_parse(whole), n), "lxml")
    row("one whole-country file", ours, forked(lambda: ET.fromstring(whole), n), "ET")
    row("canonical JSON", best(lambda: ours_json(doc), n), forked(lambda: json.loads(doc), n),
        "json.loads", JSON_TARGET)  # fmt: skip


if __name__ == "__main__":
    main()
