"""`python -m bot fetch`: read a feed once and show what Soirée makes of it, before the night."""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from bot.checks import find_anomalies
from bot.models import Race, Snapshot
from bot.rules import Rules
from bot.sources.errors import FetchError
from bot.sources.http import HttpSource

MAX_RACES_SHOWN = 50


def parse_options(pairs: Sequence[str]) -> dict[str, Any]:
    """Read `key=value` pairs; values are TOML (`round=2`, `layout="wide"`) or bare strings."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--option {pair!r}: expected key=value")
        try:
            options[key.strip()] = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            options[key.strip()] = raw
    return options


async def read(where: str, max_bytes: int = 50_000_000) -> bytes:
    """Fetch a URL once (following redirects) or read a file."""
    if where.startswith(("http://", "https://")):
        async with httpx.AsyncClient(follow_redirects=True) as client:
            body = await HttpSource(where, client, timeout=20.0, max_bytes=max_bytes).fetch()
        if body is None:
            raise FetchError(f"{where}: not published yet (404)")
        return body
    try:
        return await asyncio.to_thread(Path(where).read_bytes)
    except OSError as exc:
        raise FetchError(f"{where}: {exc.strerror or exc}") from exc


def _race_block(race: Race, rules: Rules) -> list[str]:
    u, t = race.units, race.turnout
    pct = f"{u.pct:.1f} %" if u.pct is not None else "?"
    head = f"{race.id}  [{race.level}{' ' + race.code if race.code else ''}]  {race.name}"
    lines = [
        head,
        f"  units {u.counted}/{u.total if u.total is not None else '?'} ({pct})"
        f"  registered {t.registered}  voters {t.voters}  blank {t.blank}  null {t.null}"
        f"  valid {t.valid}{'  FINAL' if race.final else ''}",
    ]
    width = max((len(c.name) for c in race.candidates), default=0)
    for c in race.standings():
        share = f"{c.share:6.2f} %" if c.share is not None else "     — "
        published = (
            f"  (published {c.published_share:.2f})" if c.published_share is not None else ""
        )
        votes = f"{c.votes:>10}" if c.votes is not None else " " * 10
        lines.append(f"  {c.name.ljust(width)}  {votes}  {share}{published}")
    for check, detail in find_anomalies(None, race, rules):
        figures = ", ".join(f"{k}={v:g}" for k, v in detail)
        lines.append(f"  ANOMALY {check}: {figures}")
    return lines


def describe(snap: Snapshot, rules: Rules) -> str:
    """Return a readable table of a snapshot's races, with the anomalies Soirée would flag."""
    lines = [f"{snap.election}  data time {snap.updated_at.isoformat()}  {len(snap.races)} race(s)"]
    for race in snap.races[:MAX_RACES_SHOWN]:
        lines += ["", *_race_block(race, rules)]
    if len(snap.races) > MAX_RACES_SHOWN:
        lines += ["", f"… and {len(snap.races) - MAX_RACES_SHOWN} more race(s)"]
    return "\n".join(lines)
