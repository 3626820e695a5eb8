"""`python -m bot fetch`: read a feed once and show what Soirée makes of it, before the night."""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bot.audience import covers
from bot.checks import find_anomalies
from bot.config import Config, SourceConfig
from bot.formats.canonical import FORMAT
from bot.formats.limits import Limits
from bot.formats.ministry.index import Index
from bot.formats.registry import PARSERS, parse
from bot.models import Race, Snapshot
from bot.rules import Rules
from bot.sources.errors import FetchError
from bot.sources.files import read_file
from bot.sources.http import HttpSource

MAX_RACES_SHOWN = 50
MAX_IDS_SHOWN = 12  # of the ids a feed has, in a warning about one it lacks


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


def source_for(config: Config, fmt: str | None, where: str) -> SourceConfig:
    """Return the config's source that reads `where`, else its first in this format (its
    first at all when no format is named), else a source with SourceConfig's defaults: its
    format, options, caps and deadline apply."""
    fits = [s for s in config.sources if fmt is None or s.format == fmt]
    same = [s for s in fits if _reads(s, where)]
    return next(iter(same + fits), None) or SourceConfig(id="fetch", format=fmt or FORMAT)


def _reads(source: SourceConfig, where: str) -> bool:
    if source.url or not source.path:
        return source.url == where
    return source.path.resolve() == Path(where).resolve()


async def read(where: str, source: SourceConfig | None = None) -> bytes:
    """Fetch a URL once (following redirects) or read a file, within the source's caps
    (SourceConfig's defaults without one): its max_bytes, and for a URL its timeout over
    the whole request."""
    source = source or SourceConfig(id="fetch", format="canonical-json")
    if not where.startswith(("http://", "https://")):
        return await asyncio.to_thread(read_file, Path(where), source.max_bytes)
    async with httpx.AsyncClient(follow_redirects=True) as client:
        http = HttpSource(where, client, timeout=source.timeout, max_bytes=source.max_bytes)
        body = await http.fetch()
    if body is None:
        raise FetchError(f"{http.origin}: not published yet (404)")
    return body


def with_options(config: Config, fmt: str, pairs: Sequence[str]) -> Config:
    """Return the config with the `--option key=value` pairs over the options of its first
    source in this format (a source made for them when it has none), or raise ValueError
    naming the first bad one."""
    if not pairs:
        return config
    found = next((s for s in config.sources if s.format == fmt), None)
    source = found or SourceConfig(id="replay", format=fmt)
    changed = replace(source, options={**dict(source.options), **parse_options(pairs)})
    errors = PARSERS[fmt].check(changed.options)
    if errors:
        raise ValueError(f"--option {errors[0]}")
    sources = [changed if s is found else s for s in config.sources]
    return replace(config, sources=tuple(sources if found else [changed, *sources]))


def _known(value: object) -> str:
    """Return a figure as text, "—" when the feed does not give it."""
    return "—" if value is None else str(value)


def _race_block(race: Race, rules: Rules) -> list[str]:
    u, t = race.units, race.turnout
    pct = f"{u.pct:.1f} %" if u.pct is not None else "—"
    head = f"{race.id}  [{race.level}{' ' + race.code if race.code else ''}]  {race.name}"
    lines = [
        head,
        f"  units {u.counted}/{_known(u.total)} ({pct})  registered {_known(t.registered)}"
        f"  voters {_known(t.voters)}  blank {_known(t.blank)}  null {_known(t.null)}"
        f"  valid {_known(t.valid)}{'  FINAL' if race.final else ''}",
    ]
    # Ids, as [charts.colours] and previous_round_voters name candidates and races.
    cands = race.standings()
    idw = max([len("id"), *(len(c.id) for c in cands)])
    width = max([len("candidate"), *(len(c.name) for c in cands)])
    partyw = max([len("party"), *(len(c.party or "—") for c in cands)])
    if cands:
        lines.append(f"  {'id'.ljust(idw)}  {'candidate'.ljust(width)}  {'party'.ljust(partyw)}"
                     f"  {'votes':>10}  {'share':>8}")  # fmt: skip
    for c in cands:
        share = f"{c.share:6.2f} %" if c.share is not None else f"{'—':>8}"
        published = (
            f"  (published {c.published_share:.2f})" if c.published_share is not None else ""
        )
        lines.append(
            f"  {c.id.ljust(idw)}  {c.name.ljust(width)}  {_known(c.party).ljust(partyw)}"
            f"  {_known(c.votes):>10}  {share}{published}"
        )
    for check, detail in find_anomalies(None, race, rules):
        figures = ", ".join(f"{k}={v:g}" for k, v in detail)
        lines.append(f"  ANOMALY {check}: {figures}")
    return lines


def describe(snap: Snapshot, rules: Rules, show_all: bool = False) -> str:
    """Return a readable table of a snapshot's races (the first MAX_RACES_SHOWN unless
    `show_all`), with the anomalies Soirée would flag."""
    # A file without a time of its own (nor an index to date it) has the time it was read.
    when = "data time" if all(r.dated for r in snap.races) else "received at"
    lines = [f"{snap.election}  {when} {snap.updated_at.isoformat()}  {len(snap.races)} race(s)"]
    shown = snap.races if show_all else snap.races[:MAX_RACES_SHOWN]
    for race in shown:
        lines += ["", *_race_block(race, rules)]
    if len(shown) < len(snap.races):
        lines += ["", f"… and {len(snap.races) - len(shown)} more race(s): --all shows them"]
    return "\n".join(lines)


def describe_index(index: Index, show_all: bool = False) -> str:
    """Return a readable table of what the Ministry's index files say: each place's last
    change (Europe/Paris), whether it is complete, whether a commune's results are in (the
    first MAX_RACES_SHOWN places unless `show_all`)."""
    lines = [
        f"index  {len(index.departements)} département(s)  {len(index.regions)} région(s)  "
        f"{len(index.communes)} commune(s)"
    ]
    rows = [
        *(("région", code, mark) for code, mark in sorted(index.regions.items())),
        *(("département", code, mark) for code, mark in sorted(index.departements.items())),
        *(("commune", f"{d} {c}", mark) for (d, c), mark in sorted(index.communes.items())),
    ]
    shown = rows if show_all else rows[:MAX_RACES_SHOWN]
    for level, code, mark in shown:
        changed = mark.changed.isoformat() if mark.changed else "—"
        flags = [
            name
            for name, value in (("COMPLETE", mark.complete), ("RECEIVED", mark.received))
            if value
        ]
        lines.append(f"  {level:<12} {code:<12} last change {changed}  {' '.join(flags)}".rstrip())
    if len(shown) < len(rows):
        lines.append(f"  … and {len(rows) - len(shown)} more place(s): --all shows them")
    return "\n".join(lines)


async def mismatches_with(config: Config, feeds: Sequence[str]) -> list[str]:
    """Read feed versions (URLs or files), each with the config's source that reads it, else
    its first, and return the warnings of `mismatches`; raise as `read` and `parse` do."""
    snaps = []
    for where in feeds:
        source = source_for(config, None, where)
        data = await read(where, source)
        limits = Limits(max_bytes=source.max_bytes, max_future=source.max_future)
        now = datetime.now(UTC)
        snaps.append(parse(source.format, data, where, source.options, now, limits))
    return mismatches(config, snaps) if feeds else []


def mismatches(config: Config, snaps: Sequence[Snapshot]) -> list[str]:
    """Return a warning for each id the config names that these feed versions lack:
    [charts.colours]' candidates, previous_round_voters', main_races' and chats' races."""
    races = [race for snap in snaps for race in snap.races]
    race_ids = sorted({race.id for race in races})
    candidate_ids = sorted({c.id for race in races for c in race.candidates})
    no_race = f"no such race in the feed, which has {_some(race_ids)}"
    out = [
        f"charts.colours.{cand}: no such candidate in the feed, which has {_some(candidate_ids)}"
        for cand, _ in config.charts.colours
        if cand not in candidate_ids
    ]
    out += [
        f"rules.previous_round_voters.{race}: {no_race}"
        for race, _ in config.rules.previous_round_voters
        if race not in race_ids
    ]
    out += [f"main_races[{i}] = {race!r}: {no_race}"
            for i, race in enumerate(config.main_races) if race not in race_ids]  # fmt: skip
    for i, chat in enumerate(config.chats):
        out += [
            f"chats[{i}].races[{j}] = {key!r}: matches no race of the feed, which has "
            f"{_some(race_ids)}"
            for j, key in enumerate(chat.races)
            if not any(covers(key, race) for race in races)
        ]
    return [f"{config.path}: {line}" for line in out]


def _some(ids: Sequence[str]) -> str:
    """Return ids as a short list: the first MAX_IDS_SHOWN, and how many there are."""
    if not ids:
        return "none"
    shown = ", ".join(ids[:MAX_IDS_SHOWN])
    return shown if len(ids) <= MAX_IDS_SHOWN else f"{shown}… ({len(ids)} in all)"


def format_hint(data: bytes, fmt: str) -> str:
    """Return a hint naming the format of a file read as canonical JSON that looks like
    another format's, "" when it does not."""
    if fmt != FORMAT:
        return ""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PK\x03\x04"):
        return "it looks like a zip (Clarity's detailxml.zip?): give --source-format clarity-xml"
    if head.startswith(b"<"):
        return ("it looks like XML: give --source-format fr-interior-xml (the Ministry's) or "
                "clarity-xml (Clarity's)")  # fmt: skip
    first = head.split(b"\n", 1)[0]
    if not head.startswith((b"{", b"[")) and any(sep in first for sep in (b";", b",", b"\t")):
        return "it looks like CSV: give --source-format csv (and --option for its layout)"
    return ""
