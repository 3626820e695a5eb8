"""Command line: `soiree run | check-config | replay | export | fetch | chart | store copy`
(or `python -m bot …`)."""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot import feedcheck, logs
from bot.app import Options, run, utcnow
from bot.config import CHART_THEMES, DEFAULT_CONFIG, Config, ConfigError, SourceConfig, check, load
from bot.export import export
from bot.feedcheck import describe, describe_index, parse_options, read, source_for
from bot.formats import ministry
from bot.formats.errors import FeedError
from bot.formats.ministry.index import Index, is_index, read_index
from bot.formats.registry import PARSERS, parse
from bot.lock import AlreadyRunning
from bot.render.chart import ChartStyle, render_png
from bot.render.text import LOCALES
from bot.replay import already_played, replay
from bot.replay import default_config as _default_config
from bot.sources.errors import FetchError
from bot.store import StoreUnavailable
from bot.store.copy import NotEmpty, copy_store

FORMAT_HELP = "default: the --config source's that reads it, or its first; else canonical-json"


LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_HELP = (
    "default: $SOIREE_LOG_LEVEL, else info for `run --config` (a night) and warning for the "
    "demo night and the other commands"
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="soiree", description="Soirée, election-night bot.")
    p.add_argument("--log-level", type=str.lower, choices=LOG_LEVELS, help=LOG_HELP)
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
    f.add_argument(
        "--all", action="store_true", help="show every race (of an index: every place), not 50"
    )
    st = sub.add_parser("store", help="work on a store: copy it to another (SQLite, PostgreSQL)")
    cp = st.add_subparsers(dest="store_command", required=True).add_parser(
        "copy", help="copy a whole store into an empty one (a SQLite path, a postgresql:// URL)"
    )
    cp.add_argument("--from", dest="source", required=True, help="the store to copy")
    cp.add_argument("--to", dest="target", required=True, help="the empty store to copy into")
    ex = sub.add_parser(
        "export", help="write the versions a source recorded into a folder, for `replay DIR/*`"
    )
    ex.add_argument("--source", required=True, help="the source's id (an error lists the ids)")
    ex.add_argument("--out", type=Path, required=True, help="a new or empty folder")
    where = ex.add_mutually_exclusive_group()
    where.add_argument("--config", type=Path, help="the store of this config (default: as run)")
    where.add_argument("--db", help="a SQLite file or a postgresql:// URL")
    ch = sub.add_parser("chart", help="draw the results chart of a feed version into a PNG")
    ch.add_argument("where", help="a URL or a file path")
    ch.add_argument("--out", type=Path, required=True, help="the PNG to write")
    ch.add_argument("--source-format", choices=sorted(PARSERS), help=FORMAT_HELP)
    ch.add_argument("--config", type=Path, help="take options, colours and theme from this config")
    ch.add_argument("--race", help="race id (default: the config's first main race, or the first)")
    ch.add_argument("--locale", choices=LOCALES, help="default: the config's")
    ch.add_argument("--theme", choices=CHART_THEMES, help="default: the config's")
    return p


def _with_log_level(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Let --log-level come after the sub-command too (`soiree run --log-level info`)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                command.add_argument(
                    "--log-level", type=str.lower, choices=LOG_LEVELS, default=argparse.SUPPRESS,
                    help=LOG_HELP,
                )  # fmt: skip
                _with_log_level(command)
    return parser


def _log_level(args: argparse.Namespace) -> str:
    """Return --log-level, else $SOIREE_LOG_LEVEL, else INFO for a night run from a config
    (its failures and recoveries are its record) and WARNING for the demo and the tools."""
    if args.log_level:
        return str(args.log_level).upper()
    named = os.environ.get("SOIREE_LOG_LEVEL", "").strip().lower()
    if named and named not in LOG_LEVELS:
        raise ConfigError(f"$SOIREE_LOG_LEVEL = {named!r}: expected one of {', '.join(LOG_LEVELS)}")
    night = args.command == "run" and (args.config or os.environ.get("SOIREE_CONFIG"))
    return (named or ("info" if night else "warning")).upper()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _with_log_level(_parser()).parse_args(argv)
    try:
        logs.setup(_log_level(args))
        if args.command == "check-config":
            return asyncio.run(_check_config(args.file, args.feed))
        if args.command == "replay":
            return asyncio.run(replay(args))
        if args.command == "export":
            where = args.db or _store_of(load(_config_path(args.config)))
            return asyncio.run(export(where, args.source, args.out))
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
        named = getattr(args, "db", None)
        store = f"the store {logs.redact_url(named)}: " if named and named not in str(exc) else ""
        print(f"error: {store}{exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`soiree fetch … | head`): no error to tell
        _silence_stdout()
        return 128 + signal.SIGPIPE  # what a shell reports of a program its pipe closed on
    except OSError as exc:  # a file the command writes: `chart --out` into a missing folder
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C before the bot's loop runs, or during a command
        print("interrupted (Ctrl-C)", file=sys.stderr)
        return 0 if args.command == "run" else 130


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush into the closed pipe
    prints no second error as it exits."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


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


def _store_of(config: Config) -> str:
    """Return where a config's store is: its PostgreSQL URL, else its SQLite file."""
    return config.database_url or str(config.db)


def _run(args: argparse.Namespace) -> int:
    if args.db:
        os.environ["SOIREE_DB"] = args.db
    config = load(_config_path(args.config))
    if args.speed <= 0:
        raise ConfigError(f"--speed {args.speed}: must be positive")

    async def main_loop() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, _interrupted, stop)
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGUSR1, _dump_tasks)
        if await already_played(config):
            print(_played(config), file=sys.stderr)
        await run(config, Options(speed=args.speed, staging=args.staging), stop)

    try:
        asyncio.run(main_loop())
    except StoreUnavailable as exc:
        where = logs.redact_url(_store_of(config))
        raise StoreUnavailable(
            str(exc) if where in str(exc) else f"the store {where}: {exc}"
        ) from exc
    return 0


def _played(config: Config) -> str:
    """Say in one line that the night was played into the store already, and how to see
    it again: `make demo-reset` for the demo, a new store otherwise."""
    where = config.database_url or str(config.db)
    if not config.database_url and config.db.is_relative_to(Path.cwd()):
        where = str(config.db.relative_to(Path.cwd()))
    if config.path.resolve() == DEFAULT_CONFIG:
        return f"The demo night was already played from {where}: `make demo-reset` plays it again."
    where = logs.redact_url(where)
    return f"This replay was already played from {where}: a new --db plays it again."


def _interrupted(stop: asyncio.Event) -> None:
    """Say in one line that Ctrl-C stops the bot (once: a second Ctrl-C changes nothing)."""
    if not stop.is_set():
        print("\nSoirée stops (Ctrl-C); what was not sent yet stays queued.", file=sys.stderr)
        stop.set()


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
            print(describe_index(read_index(data, args.where, options.get("round")), args.all))
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


if __name__ == "__main__":
    sys.exit(main())
