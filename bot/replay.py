"""The `replay` command: rehearse a night from feed files, in order, through parse → diff →
render with an isolated store, printing what Soirée would announce (nothing is sent)."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.app import display_of, utcnow
from bot.config import Config, SourceConfig, load
from bot.events import Event
from bot.feedcheck import with_options
from bot.formats import ministry
from bot.formats.errors import FeedError
from bot.formats.limits import DEFAULT_LIMITS, DEFAULT_MAX_BYTES, Limits
from bot.formats.ministry.index import Index, is_index, read_index
from bot.pipeline import Outcome, Pipeline
from bot.rules import Rules
from bot.sources.errors import FetchError
from bot.sources.files import read_file
from bot.store import Store, StoreUnavailable, is_postgres, open_store


def default_config(db: Path) -> Config:
    """Return the config of a command given none: default rules, no source, this store."""
    return Config(path=Path.cwd() / "replay.toml", db=db, rules=Rules(), sources=())


async def replay(args: argparse.Namespace) -> int:
    """Replay `args.files` into `args.db` (default: a temporary store); return the status."""
    with tempfile.TemporaryDirectory(prefix="soiree-replay-") as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "replay.db"
        config = load(args.config) if args.config else default_config(db)
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


async def already_played(config: Config) -> bool:
    """Say whether a config that only replays files (the demo night) was played to its end
    into its store: the last file of each source is recorded there (or set aside), so a
    replay would announce nothing again."""
    replays = [sc for sc in config.sources if sc.kind == "replay" and sc.replay]
    if not replays or len(replays) < len(config.sources):
        return False
    where = config.database_url or str(config.db)
    if not is_postgres(where) and not await asyncio.to_thread(Path(where).is_file):
        return False  # never played: opening it would make it
    store = await open_store(where)
    try:
        for sc in replays:
            try:
                raw = await asyncio.to_thread(read_file, sc.replay[-1], sc.max_bytes)
            except FetchError:
                return False  # the poll will say what is wrong with it
            sha = hashlib.sha256(raw).hexdigest()
            if not (
                await store.stored_version(sc.id, sha) or await store.rejected_version(sc.id, sha)
            ):
                return False
    finally:
        await store.close()
    return True


def _source(config: Config, fmt: str) -> SourceConfig | None:
    """Return the config's first source in a format: its options and limits are the replay's."""
    return next((s for s in config.sources if s.format == fmt), None)


async def _replay_files(args: argparse.Namespace, config: Config, store: Store) -> int:
    # A rehearsal sends nothing.
    pipeline = Pipeline(store, config.rules, display_of(config), utcnow, deliver=False)
    source = _source(config, args.source_format)
    max_bytes = source.max_bytes if source else DEFAULT_MAX_BYTES
    status = 0
    index: Index | None = None  # the Ministry's index files read so far
    for path in args.files:
        try:  # as a poll reads a file: within the source's size cap, a regular file only
            raw = await asyncio.to_thread(read_file, path, max_bytes)
        except FetchError as exc:
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
    source = _source(config, ministry.FORMAT)
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
    source = _source(config, fmt)
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
