"""The `export` command: write out the raw versions a source recorded, one file each, in the
order recorded, named so that they sort in that order; `replay DIR/*` plays the night again."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from datetime import UTC
from pathlib import Path

from bot.logs import redact_url
from bot.store import StoredVersion, StoreUnavailable, is_postgres, open_store

MIN_DIGITS = 4  # 0001-…: a night of polls every 30 s for 8 hours is under 1,000 versions


async def export(where: str, source: str, out: Path) -> int:
    """Write the versions `source` recorded in the store at `where` into the folder `out`
    (made if missing, refused if it holds files); say what was written; return the status."""
    if not is_postgres(where) and where != ":memory:" and not await _is_file(Path(where)):
        raise StoreUnavailable(f"cannot open the store {where}: no such file")
    store = await open_store(where)
    try:
        versions = await store.versions(source)
        if not versions:
            return _no_such_source(redact_url(where), source, await store.versions())
        try:
            if not await asyncio.to_thread(_new_folder, out):
                return _refused(f"{out}: not an empty folder (an export goes into a new one)")
            width = max(MIN_DIGITS, len(str(len(versions))))
            for n, version in enumerate(versions, start=1):
                raw = await store.raw_version(version.id)
                if raw is not None:  # versions are never deleted; in case one was meanwhile
                    path = out / file_name(n, width, version, raw)
                    await asyncio.to_thread(path.write_bytes, raw)
        except OSError as exc:
            return _refused(f"{exc.filename or out}: {exc.strerror or exc}")
    finally:
        await store.close()
    first, last = versions[0].updated_at, versions[-1].updated_at
    print(
        f"{out}: {len(versions)} version(s) of source {source}, "
        f"data times {first.isoformat()} to {last.isoformat()}"
    )
    return 0


async def _is_file(path: Path) -> bool:
    return await asyncio.to_thread(path.is_file)


def _new_folder(out: Path) -> bool:
    """Make the folder `out` if missing; return False when it holds files already."""
    if out.is_dir() and any(out.iterdir()):
        return False
    out.mkdir(parents=True, exist_ok=True)
    return True


def file_name(n: int, width: int, version: StoredVersion, raw: bytes) -> str:
    """Return the name of a version's file: its rank (they sort in the order recorded), its
    data time in UTC, and the extension its bytes suggest."""
    return f"{n:0{width}d}-{version.updated_at.astimezone(UTC):%Y%m%dT%H%M%SZ}.{extension(raw)}"


def extension(raw: bytes) -> str:
    """Return the usual extension of a feed version's bytes: zip, xml, json, else csv."""
    head = raw[:256].removeprefix(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"<"):
        return "xml"
    if head[:1] in (b"{", b"["):
        return "json"
    return "csv"


def _no_such_source(where: str, source: str, recorded: list[StoredVersion]) -> int:
    counts = Counter(v.source for v in recorded)
    held = ", ".join(f"{s} ({n})" for s, n in sorted(counts.items())) or "none"
    return _refused(f"{where} holds no version of source {source!r}; its sources: {held}")


def _refused(text: str) -> int:
    print(f"error: {text}", file=sys.stderr)
    return 1
