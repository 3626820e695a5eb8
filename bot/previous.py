"""A previous-round feed: the previous round's files or URLs, in any supported format, read
once into each race's figures by race id (`[rules.previous_round]`). Pure but for the
reading, which `read_files` and `read_urls` do at start (the config's check reads them too)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bot.config_reader import Reader
from bot.config_schema import PreviousRoundFile
from bot.formats.errors import FeedError
from bot.formats.registry import PARSERS, parse
from bot.logs import redact_url, redact_urls
from bot.models import PreviousRound, Race, Snapshot
from bot.rounds import complete

MAX_BYTES = 20_000_000  # as a source's default cap
TIMEOUT = 10.0  # seconds for each URL, body included


def figures_of(race: Race) -> PreviousRound | None:
    """Return a previous round's race as the figures a race of this round compares with:
    its voters and registered voters as a whole, and each candidate's share, for a race
    whose count was complete (a partial one says nothing like for like)."""
    if race.turnout.voters is None or not complete(race):
        return None
    shares = tuple((c.id, c.share) for c in race.candidates if c.share is not None)
    return PreviousRound(
        voters=race.turnout.voters,
        registered=race.turnout.registered,
        same_places=False,
        shares=shares,
    )


def previous_rounds(snapshots: Iterable[Snapshot]) -> dict[str, PreviousRound]:
    """Return the previous round's figures by race id; a later file's race wins."""
    found: dict[str, PreviousRound] = {}
    for snap in snapshots:
        for race in snap.races:
            figures = figures_of(race)
            if figures is not None:
                found[race.id] = figures
    return found


def read_files(
    fmt: str, files: Iterable[Path], options: Mapping[str, Any]
) -> dict[str, PreviousRound]:
    """Read and parse a previous round's files; raise FeedError (or OSError) naming one."""
    return _parsed(fmt, ((str(file), file.read_bytes()) for file in files), options)


def read_urls(
    fmt: str,
    urls: Iterable[str],
    options: Mapping[str, Any],
    *,
    max_bytes: int = MAX_BYTES,
    timeout: float = TIMEOUT,
) -> dict[str, PreviousRound]:
    """Fetch and parse a previous round's URLs, each within `timeout` seconds and
    `max_bytes`; raise FeedError naming the URL (its secrets shown as ***)."""
    bodies = []
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        for url in urls:
            shown = redact_url(url)
            try:
                bodies.append((shown, _fetch(client, url, max_bytes)))
            except httpx.HTTPStatusError as exc:
                status = exc.response.status_code
                raise FeedError(shown, "(document)", None, f"not fetched: HTTP {status}") from exc
            except (httpx.HTTPError, ValueError) as exc:  # its text may quote the URL whole
                why = redact_urls(str(exc)) or type(exc).__name__
                raise FeedError(shown, "(document)", None, f"not fetched: {why}") from exc
    return _parsed(fmt, bodies, options)


def _fetch(client: httpx.Client, url: str, max_bytes: int) -> bytes:
    with client.stream("GET", url) as response:
        response.raise_for_status()
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise ValueError(f"more than {max_bytes:,} bytes")
        return bytes(body)


def _parsed(
    fmt: str, bodies: Iterable[tuple[str, bytes]], options: Mapping[str, Any]
) -> dict[str, PreviousRound]:
    received = datetime.now(UTC)  # dates a file that carries no time of its own
    snapshots = []
    for origin, data in bodies:
        try:
            snapshots.append(parse(fmt, data, origin, dict(options), received))
        except (ValueError, ArithmeticError) as exc:  # a reader's bug: the file is still wrong
            raise FeedError(origin, "(document)", None, f"could not be read: {exc}") from exc
    return previous_rounds(snapshots)


# --- [rules.previous_round], as the config reads it ---------------------------------------


def rounds_of(r: Reader, path: Path, t: PreviousRoundFile | None) -> dict[str, PreviousRound]:
    """Read the previous round's files ([rules.previous_round]), relative to the config."""
    if t is None or r.flagged("rules.previous_round"):
        return {}
    if t.format not in PARSERS:
        r.fail(
            "rules.previous_round.format", t.format, f"expected one of {', '.join(sorted(PARSERS))}"
        )
        return {}
    if bool(t.files) == bool(t.urls):
        r.fail("rules.previous_round", "files" if t.files else None, "give files or urls, one")
        return {}
    if t.urls:
        return _urls_of(r, t)
    files = [path.parent / f for f in t.files]
    for i, file in enumerate(files):
        if not file.is_file():
            r.fail(f"rules.previous_round.files[{i}]", str(file), "file not found")
    if r.flagged("rules.previous_round.files") or not all(f.is_file() for f in files):
        return {}
    try:
        return read_files(t.format, files, t.options)
    except (FeedError, OSError) as exc:
        r.fail("rules.previous_round.files", [str(f) for f in files], f"not read: {exc}")
        return {}


def _urls_of(r: Reader, t: PreviousRoundFile) -> dict[str, PreviousRound]:
    """Fetch the previous round's URLs; one that cannot be read is a warning, not an error:
    the night goes on, turnout compared pro rata where the round's total is known."""
    wrong = [
        (i, url) for i, url in enumerate(t.urls) if not url.startswith(("http://", "https://"))
    ]
    for i, url in wrong:
        r.fail(f"rules.previous_round.urls[{i}]", redact_url(url), "expected http(s)://")
    if wrong:
        return {}
    try:
        return read_urls(t.format, t.urls, t.options)
    except FeedError as exc:
        r.warn("rules.previous_round.urls", f"not read ({exc}): no like-for-like comparison")
        return {}
