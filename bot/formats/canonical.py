"""Parser for Soirée's canonical JSON feed: bytes in, validated Snapshot out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.formats.errors import FeedError
from bot.formats.limits import DEFAULT_LIMITS, Limits
from bot.models import Candidate, Race, Snapshot, Turnout, Units

FORMAT = "canonical-json"
MAX_CANDIDATES = 1000
MAX_NAME = 200
# As the other formats: no count reaches a trillion, and a larger one cannot be formatted
# (Babel's decimal context), so a version holding one would fail after it was accepted.
MAX_COUNT = 10**12 - 1


class _Reader:
    """Walks a decoded document, raising FeedError with the field's full path."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, path: str, value: object, reason: str) -> FeedError:
        """Return the FeedError for a field of this document."""
        return FeedError(self.origin, path, value, reason)

    def get(self, obj: dict[str, Any], path: str, key: str) -> Any:
        """Return a required field, or raise naming its path."""
        if key not in obj:
            raise self.fail(f"{path}.{key}".lstrip("."), None, "missing required field")
        return obj[key]

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        """Return the value as an object, or raise naming its path."""
        if not isinstance(value, dict):
            raise self.fail(path, value, "expected an object")
        return value

    def text(self, obj: dict[str, Any], path: str, key: str, limit: int = MAX_NAME) -> str:
        """Return a required non-empty string of at most `limit` characters."""
        value = self.get(obj, path, key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{path}.{key}".lstrip("."), value, "expected a non-empty string")
        if len(value) > limit:
            raise self.fail(f"{path}.{key}".lstrip("."), value, f"longer than {limit} characters")
        return value

    def count(self, obj: dict[str, Any], path: str, key: str, required: bool = False) -> int | None:
        """Return a whole number that is not negative; None when absent and not required."""
        where = f"{path}.{key}".lstrip(".")
        value = self.get(obj, path, key) if required else obj.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, value, "expected a whole number")
        if value < 0:
            raise self.fail(where, value, "must not be negative")
        if value > MAX_COUNT:
            raise self.fail(where, value, f"more than {MAX_COUNT:,}")
        return value

    def share(self, obj: dict[str, Any], path: str) -> float | None:
        """Return a published share between 0 and 100, None when absent."""
        value = obj.get("share")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{path}.share", value, "expected a number")
        if not 0 <= value <= 100:
            raise self.fail(f"{path}.share", value, "must be between 0 and 100")
        return float(value)


def parse(
    data: bytes,
    origin: str = "<feed>",
    options: Mapping[str, Any] | None = None,
    fetched_at: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Snapshot:
    """Parse a canonical JSON document into a Snapshot, or raise FeedError.

    It takes no options, and its own `updated_at` is required: the fetch time is not used.
    Nothing is unpacked, so `limits` are the registry's to check (size, data time)."""
    r = _Reader(origin)
    root = r.obj(_decode(data, origin), "(document)")
    election = r.text(root, "", "election")
    updated_at = _timestamp(r, r.get(root, "", "updated_at"))
    races = r.get(root, "", "races")
    if not isinstance(races, list) or not races:
        raise r.fail("races", races, "expected a non-empty list")
    parsed = tuple(
        _race(r, r.obj(race, f"races[{i}]"), f"races[{i}]") for i, race in enumerate(races)
    )
    ids = [race.id for race in parsed]
    if len(set(ids)) != len(ids):
        raise r.fail("races[].id", ids, "race ids must be unique")
    return Snapshot(election=election, updated_at=updated_at, races=parsed)


def _decode(data: bytes, origin: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise FeedError(origin, "(document)", data[exc.start : exc.start + 8], "not UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise FeedError(
            origin, f"(line {exc.lineno} col {exc.colno})", exc.msg, "invalid JSON"
        ) from exc
    except RecursionError as exc:
        raise FeedError(origin, "(document)", "nesting too deep", "invalid JSON") from exc


def _timestamp(r: _Reader, value: Any) -> datetime:
    if not isinstance(value, str):
        raise r.fail("updated_at", value, "expected an ISO 8601 string")
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError as exc:
        raise r.fail("updated_at", value, "not an ISO 8601 date-time") from exc
    if stamp.tzinfo is None:
        raise r.fail("updated_at", value, "needs a UTC offset (e.g. +01:00)")
    return stamp


def _race(r: _Reader, obj: dict[str, Any], path: str) -> Race:
    units_obj = r.obj(r.get(obj, path, "units"), f"{path}.units")
    counted = r.count(units_obj, f"{path}.units", "counted", required=True) or 0
    total = r.count(units_obj, f"{path}.units", "total")
    if total is not None and counted > total:
        raise r.fail(f"{path}.units.counted", counted, f"more than units.total ({total})")
    turnout_obj = r.obj(obj.get("turnout") or {}, f"{path}.turnout")
    turnout = Turnout(
        **{
            k: r.count(turnout_obj, f"{path}.turnout", k)
            for k in ("registered", "voters", "blank", "null", "valid")
        }
    )
    final = obj.get("final", False)
    if not isinstance(final, bool):
        raise r.fail(f"{path}.final", final, "expected true or false")
    race = Race(
        id=r.text(obj, path, "id"),
        name=r.text(obj, path, "name"),
        final=final,
        units=Units(counted=counted, total=total),
        turnout=turnout,
        candidates=_candidates(r, obj, path),
        level=str(obj.get("level") or "national"),
        code=_code(obj.get("code")),
    )
    return race  # its candidates' shares were computed as they were read (_candidates)


def _code(value: Any) -> str | None:
    return None if value is None else str(value)


def _candidates(r: _Reader, obj: dict[str, Any], path: str) -> tuple[Candidate, ...]:
    items = r.get(obj, path, "candidates")
    if not isinstance(items, list):
        raise r.fail(f"{path}.candidates", items, "expected a list")
    if len(items) > MAX_CANDIDATES:
        raise r.fail(f"{path}.candidates", f"{len(items)} items", f"more than {MAX_CANDIDATES}")
    read: list[tuple[str, str, int | None, float | None]] = []
    for i, item in enumerate(items):
        where = f"{path}.candidates[{i}]"
        c = r.obj(item, where)
        read.append(
            (r.text(c, where, "id"), r.text(c, where, "name"), r.count(c, where, "votes"),
             r.share(c, where))
        )  # fmt: skip
    ids = [c[0] for c in read]
    if len(set(ids)) != len(ids):
        raise r.fail(f"{path}.candidates[].id", ids, "candidate ids must be unique")
    # The shares as `with_computed_shares` computes them, without building every candidate
    # a second time: from the votes where any candidate has votes, else as published.
    cast = None if all(c[2] is None for c in read) else sum(c[2] or 0 for c in read)
    return tuple(
        Candidate(id=i, name=n, votes=v, published_share=p,
                  share=p if cast is None else 100.0 * (v or 0) / cast if cast else None)
        for i, n, v, p in read
    )  # fmt: skip
