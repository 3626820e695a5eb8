"""Command line: `python -m bot run | check-config | replay | fetch | chart | store copy`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot import feedcheck, logs
from bot.app import Options, display_of, run, utcnow
from bot.config import CHART_THEMES, DEFAULT_CONFIG, Config, ConfigError, SourceConfig, check, load
from bot.events import Event
from bot.feedcheck import describe, describe_index, parse_options, read, source_for, with_options
from bot.formats import ministry
from bot.formats.errors import FeedError
from bot.formats.limits import DEFAULT_LIMITS, Limits
from bot.formats.ministry.index import Index, is_index, read_index
from bot.formats.registry import PARSERS, parse
from bot.lock import AlreadyRunning
from bot.pipeline import Outcome, Pipeline
from bot.render.chart import ChartStyle, render_png
from bot.render.text import LOCALES
from bot.rules import Rules
from bot.sources.errors import FetchError
from bot.store import Store, StoreUnavailable, open_store
from bot.store.copy import NotEmpty, copy_store

FORMAT_HELP = "default: the --config source's that reads it, or its first; else canonical-json"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="Soirée, election-night bot.")
    p.add_argument("--log-level", default=os.environ.get("SOIREE_LOG_LEVEL", "INFO"))
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run the bot (the demo night when no config is given)")
    r.add_argument("--config", type=Path, help="config file (default: $SOIREE_CONFIG or demo)")
    r.add_argument("--speed", type=float, default=1.0, help="divide every poll interval by this")
    r.add_argument("--db", help="SQLite file (overrides the config's db)")
    r.add_argument(
        "--staging",
        action="store_true",
        help="rehearsal: every announcement goes to the admin chats only",
    )
    c = sub.add_parser("check-config", help="validate a config file")
    c.add_argument("file", type=Path)
    c.add_argument(
        "--feed",
        action="append",
        default=[],
        help="a feed version (URL or file) to check the config's ids against; repeatable",
    )
    rp = sub.add_parser("replay", help="rehearse a night from feed files, in order")
    rp.add_argument("files", nargs="+", type=Path)
    rp.add_argument("--config", type=Path)
    rp.add_argument("--source-format", default="canonical-json", choices=sorted(PARSERS))
    rp.add_argument("--db", help="SQLite file to replay into (default: a temporary one)")
    rp.add_argument("--format", dest="output", default="text", choices=("jsonl", "text"))
    rp.add_argument("--option", action="append", default=[], help="parser option, key=value")
    f = sub.add_parser("fetch", help="read a feed once and print what Soirée makes of it")
    f.add_argument("where", help="a URL or a file path")
    f.add_argument("--source-format", choices=sorted(PARSERS), help=FORMAT_HELP)
    f.add_argument("--config", type=Path, help="take parser options and rules from this config")
    f.add_argument("--option", action="append", default=[], help="parser option, key=value")
    f.add_argument(
        "--index",
        action="append",
        default=[],
        help="a Ministry index file (index.xml, DDDIDX.xml) that dates the feed; repeatable",
    )
    f.add_argument("--all", action="store_true", help="show every race, not the first 50")
    st = sub.add_parser("store", help="work on a store: copy it to another (SQLite, PostgreSQL)")
    cp = st.add_subparsers(dest="store_command", required=True).add_parser(
        "copy", help="copy a whole store into an empty one (a SQLite path, a postgresql:// URL)"
    )
    cp.add_argument("--from", dest="source", required=True, help="the store to copy")
    cp.add_argument("--to", dest="target", required=True, help="the empty store to copy into")
    ch = sub.add_parser("chart", help="draw the results chart of a feed version into a PNG")
    ch.add_argument("where", help="a URL or a file path")
    ch.add_argument("--out", type=Path, required=True, help="the PNG to write")
    ch.add_argument("--source-format", choices=sorted(PARSERS), help=FORMAT_HELP)
    ch.add_argument("--config", type=Path, help="take options, colours and theme from this config")
    ch.add_argument("--race", help="race id (default: the config's first main race, or the first)")
    ch.add_argument("--locale", choices=LOCALES, help="default: the config's")
    ch.add_argument("--theme", choices=CHART_THEMES, help="default: the config's")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    logs.setup(args.log_level)
    try:
        if args.command == "check-config":
            return asyncio.run(_check_config(args.file, args.feed))
        if args.command == "replay":
            return asyncio.run(_replay(args))
        if args.command == "fetch":
            return asyncio.run(_fetch(args))
        if args.command == "chart":
            return asyncio.run(_chart(args))
        if args.command == "store":
            return asyncio.run(_store_copy(args.source, args.target))
        return _run(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"config error: {problem}", file=sys.stderr)
        if len(exc.problems) > 1:
            print(f"config error: {len(exc.problems)} problems", file=sys.stderr)
        return 2
    except AlreadyRunning as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except StoreUnavailable as exc:  # one line naming the store's path and the cause
        print(f"error: {exc}", file=sys.stderr)
        return 2


async def _store_copy(source: str, target: str) -> int:
    try:
        counts = await copy_store(source, target)
    except NotEmpty as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    copied = ", ".join(f"{n} {table}" for table, n in counts.items())
    print(f"{logs.redact_url(source)} → {logs.redact_url(target)}: {copied}")
    return 0


def _config_path(arg: Path | None) -> Path:
    return arg or Path(os.environ.get("SOIREE_CONFIG") or DEFAULT_CONFIG)


def _run(args: argparse.Namespace) -> int:
    if args.db:
        os.environ["SOIREE_DB"] = args.db
    config = load(_config_path(args.config))
    if args.speed <= 0:
        raise ConfigError(f"--speed {args.speed}: must be positive")

    async def main_loop() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        loop.add_signal_handler(signal.SIGUSR1, _dump_tasks)
        await run(config, Options(speed=args.speed, staging=args.staging), stop)

    asyncio.run(main_loop())
    return 0


def _dump_tasks() -> None:
    """Log what every task is waiting on (kill -USR1 PID), to diagnose a stuck night."""
    for task in asyncio.all_tasks():
        stack = io.StringIO()
        task.print_stack(limit=8, file=stack)
        logging.getLogger("bot").warning("task %s:\n%s", task.get_name(), stack.getvalue())


async def _check_config(file: Path, feeds: Sequence[str]) -> int:
    """Validate a config file, and with feed versions, the ids it names against theirs."""
    config, warnings = check(file)
    try:
        warnings += tuple(await feedcheck.mismatches_with(config, feeds))
    except (ValueError, FetchError, FeedError, ArithmeticError) as exc:
        return _failed(str(file), exc)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{file}: OK ({len(config.sources)} source(s), {len(config.chats)} chat(s))")
    return 0


async def _fetch(args: argparse.Namespace) -> int:
    config = load(args.config) if args.config else _default_config(Path(":memory:"))
    source = source_for(config, args.source_format, args.where)
    fmt, data = source.format, b""  # the config's source's format unless one is named
    try:
        options = {**dict(source.options), **parse_options(args.option)}
        errors = PARSERS[fmt].check(options)
        if errors:
            raise ValueError(f"--option {errors[0]}")
        data = await read(args.where, source)
        if fmt == ministry.FORMAT and is_index(data):
            print(describe_index(read_index(data, args.where, options.get("round"))))
            return 0
        index = await _read_indexes(args.index, source, options)
        snap = parse(fmt, data, args.where, options, utcnow(), index=index)
        table = describe(snap, config.rules, args.all)
    except (ValueError, FetchError, FeedError, ArithmeticError) as exc:
        return _failed(args.where, exc, feedcheck.format_hint(data, fmt))
    print(table)
    if args.config:
        for warning in feedcheck.mismatches(config, [snap]):
            print(f"warning: {warning}", file=sys.stderr)
    return 0


async def _read_indexes(
    wheres: Sequence[str], source: SourceConfig, options: dict[str, Any]
) -> Index | None:
    """Read the Ministry index files given with --index, later ones over earlier ones."""
    index = None
    for where in wheres:
        newer = read_index(await read(where, source), where, options.get("round"))
        index = newer if index is None else index.merged(newer)
    return index


def _failed(where: str, exc: Exception, hint: str = "") -> int:
    """Say in one line why a feed could not be read (with a hint at its format when it
    could not be decoded); return the exit status."""
    if isinstance(exc, ArithmeticError):  # OverflowError, Babel's InvalidOperation: no name
        text = f"{where}: a number too large to compute with ({type(exc).__name__})"
    else:
        text = str(exc)
    if hint and isinstance(exc, FeedError) and exc.reason in ("invalid JSON", "not UTF-8"):
        text = f"{text}; {hint}"
    print(f"error: {logs.redact_urls(text)}", file=sys.stderr)  # a URL's password stays out
    return 1


async def _chart(args: argparse.Namespace) -> int:
    config = load(args.config) if args.config else _default_config(Path(":memory:"))
    feed = source_for(config, args.source_format, args.where)
    data = b""
    try:
        data = await read(args.where, feed)
        snap = parse(feed.format, data, args.where, dict(feed.options), utcnow())
    except (ValueError, FetchError, FeedError, ArithmeticError) as exc:
        return _failed(args.where, exc, feedcheck.format_hint(data, feed.format))
    wanted = args.race or next((r for r in config.main_races if snap.race(r)), None)
    race = snap.race(wanted) if wanted else (snap.races[0] if snap.races else None)
    if race is None:
        print(f"error: {logs.redact_url(args.where)}: no race {wanted!r}", file=sys.stderr)
        return 1
    style = ChartStyle(
        locale=args.locale or config.locale, tz=config.tz, source=feed.label,
        theme=args.theme or config.charts.theme, colours=config.charts.colours,
    )  # fmt: skip
    try:
        png = render_png(race, snap.updated_at, style)
    except ArithmeticError as exc:  # a count too large for Babel's decimal context
        return _failed(args.where, exc)
    args.out.write_bytes(png)
    print(f"{args.out}: {race.name}, {len(png):,} bytes")
    return 0


def _default_config(db: Path) -> Config:
    return Config(path=Path.cwd() / "replay.toml", db=db, rules=Rules(), sources=())


async def _replay(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="soiree-replay-") as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "replay.db"
        config = load(args.config) if args.config else _default_config(db)
        try:
            config = with_options(config, args.source_format, args.option)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        store = await open_store(str(db))
        try:
            return await _replay_files(args, config, store)
        finally:
            await store.close()


async def _replay_files(args: argparse.Namespace, config: Config, store: Store) -> int:
    # A rehearsal sends nothing.
    pipeline = Pipeline(store, config.rules, display_of(config), utcnow, deliver=False)
    status = 0
    index: Index | None = None  # the Ministry's index files read so far
    for path in args.files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            _emit(args.output, {"kind": "unreadable", "file": str(path), "error": str(exc)})
            status = 1
            continue
        if args.source_format == ministry.FORMAT and is_index(raw):
            index = _replayed_index(args.output, config, index, raw, str(path))
            continue
        # Dated by an index, each file is a source of its own (as `urls` makes one per URL),
        # its versions given under one name: `1/075.xml`, `2/075.xml`.
        source_id = "replay" if index is None else f"replay:{path.name}"
        outcome = await _replayed(
            pipeline, config, args.source_format, raw, str(path), source_id, index
        )
        if outcome.status == "rejected":
            _emit(args.output, {"kind": "rejected", "file": str(path), "error": outcome.error})
        for event in outcome.events:
            text = pipeline.render(event, config.locale, "plain", None).text
            _emit(args.output, event_record(event, text, str(path)))
    return status


def _replayed_index(
    output: str, config: Config, index: Index | None, raw: bytes, file: str
) -> Index | None:
    """Read a replayed Ministry index file over those read before; say what it holds."""
    source = next((s for s in config.sources if s.format == ministry.FORMAT), None)
    try:
        newer = read_index(raw, file, source.options.get("round") if source else None)
    except FeedError as exc:
        _emit(output, {"kind": "rejected", "file": file, "error": str(exc)})
        return index
    places = len(newer.departements) + len(newer.regions) + len(newer.communes)
    _emit(output, {"kind": "index", "file": file, "places": places})
    return newer if index is None else index.merged(newer)


async def _replayed(
    pipeline: Pipeline,
    config: Config,
    fmt: str,
    raw: bytes,
    file: str,
    source_id: str = "replay",
    index: Index | None = None,
) -> Outcome:
    """Process one replayed file with the options and limits of the config's first source
    in its format, dated by the index read before it, if any; one whose processing fails is
    set aside as rejected, and the replay goes on (a store that cannot write stops it)."""
    source = next((s for s in config.sources if s.format == fmt), None)
    options = dict(source.options) if source else {}
    limits = Limits(max_bytes=source.max_bytes, max_future=source.max_future) if source else None
    try:
        return await pipeline.ingest(
            source_id, fmt, raw, file, options, limits or DEFAULT_LIMITS, index
        )
    except StoreUnavailable:
        raise
    except Exception as exc:
        error = f"{file}: processing failed: {type(exc).__name__}: {exc}"
        await pipeline.set_aside(source_id, raw, file, error, attempts=1)
        return Outcome(status="rejected", origin=file, error=error)


def event_record(event: Event, text: str, file: str) -> dict[str, Any]:
    """Return the JSON record of an event for `replay --format jsonl`."""
    record: dict[str, Any] = {
        "key": event.key,
        "kind": event.kind,
        "race": event.race.id,
        "file": file,
        "at": event.at.isoformat(),
        "text": text,
    }
    for name in ("candidate", "leader"):
        cand = getattr(event, name, None)
        if cand is not None:
            record["candidate"] = cand.id
            record["value"] = round(cand.share, 4) if cand.share is not None else None
    for name in ("level", "step", "threshold"):
        value = getattr(event, name, None)
        if value is not None:
            record["threshold"] = value
    for name in ("metric", "check"):
        if getattr(event, name, None) is not None:
            record["metric"] = getattr(event, name)
    if getattr(event, "value", None) is not None:
        record["value"] = event.value  # type: ignore[attr-defined]
    if getattr(event, "pct", None) is not None:
        record["value"] = round(event.pct, 4)  # type: ignore[attr-defined]
    if event.covers:
        record["covers"] = list(event.covers)
    return record


def _emit(output: str, record: dict[str, Any]) -> None:
    if output == "jsonl":
        print(json.dumps(record, ensure_ascii=False), flush=True)
    elif record.get("kind") in ("rejected", "unreadable"):
        print(f"✗ {record['file']}: {record['error']}", flush=True)
    elif record.get("kind") == "index":
        print(f"⏱ {record['file']}: index of {record['places']} place(s) read", flush=True)
    else:
        print(f"{record['text']}\n{'─' * 40}", flush=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
