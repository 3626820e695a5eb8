"""Parser for Soirée's canonical JSON feed: bytes in, validated Snapshot out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from operator import attrgetter
from typing import Annotated, Any

import msgspec

from bot.formats.errors import FeedError
from bot.formats.limits import DEFAULT_LIMITS, Limits
from bot.models import Candidate, Race, Snapshot, Turnout, Units

FORMAT = "canonical-json"
MAX_CANDIDATES = 1000
MAX_NAME = 200
# As the other formats: no count reaches a trillion, and a larger one cannot be formatted
# (Babel's decimal context), so a version holding one would fail after it was accepted.
MAX_COUNT = 10**12 - 1

# The document as msgspec decodes it, validated as it is read (in C: about a fifth of the
# time json.loads and the reader below took, bench.parse_cost). What these types refuse,
# the reader below reads again, to name the field and its value as it always has.
_Text = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME)]
_Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_COUNT)]
_Share = Annotated[float, msgspec.Meta(ge=0, le=100)]


class _Units(msgspec.Struct):
    counted: _Count
    total: _Count | None = None


class _Turnout(msgspec.Struct):
    registered: _Count | None = None
    voters: _Count | None = None
    blank: _Count | None = None
    null: _Count | None = None
    valid: _Count | None = None


class _Race(msgspec.Struct):
    id: _Text
    name: _Text
    units: _Units
    # Decoded straight into the model (in C, without its __init__: building 350,000
    # candidates in Python cost twice json.loads); `_fast_candidates` checks and completes
    # them before anything else sees them.
    candidates: Annotated[list[Candidate], msgspec.Meta(max_length=MAX_CANDIDATES)]
    turnout: _Turnout | None = None
    final: bool = False
    level: str | None = None
    code: str | None = None


class _Document(msgspec.Struct):
    election: _Text
    updated_at: str
    races: Annotated[list[_Race], msgspec.Meta(min_length=1)]


_DECODER = msgspec.json.Decoder(_Document)


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
    try:
        doc = _DECODER.decode(data)
    except (msgspec.MsgspecError, RecursionError):
        return _read(data, origin)  # it words the error (or reads what the types are too
        # strict for: a turnout given as [], a numeric code)
    return _fast(doc, origin) or _read(data, origin)


def _fast(doc: _Document, origin: str) -> Snapshot | None:
    """Return the snapshot of a decoded document, or None for what the types let through
    and the reader refuses (blank names, duplicate ids, counted over total, the time)."""
    try:
        updated_at = datetime.fromisoformat(doc.updated_at)
    except ValueError:
        return None
    if updated_at.tzinfo is None or not doc.election.strip():
        return None
    races, seen = [], dict[str, str]()
    for race in doc.races:
        units, t = race.units, race.turnout
        if (units.total is not None and units.counted > units.total) or not (
            race.id.strip() and race.name.strip()
        ):
            return None
        candidates = _fast_candidates(race.candidates, seen)
        if candidates is None:
            return None
        races.append(
            Race(
                id=race.id, name=race.name, final=race.final,
                units=Units(counted=units.counted, total=units.total),
                turnout=Turnout() if t is None else Turnout(
                    registered=t.registered, voters=t.voters, blank=t.blank, null=t.null,
                    valid=t.valid,
                ),
                candidates=candidates, level=race.level or "national", code=race.code,
            )
        )  # fmt: skip
    if len({race.id for race in races}) != len(races):
        return None
    return Snapshot(election=doc.election, updated_at=updated_at, races=tuple(races))


def _fast_candidates(items: list[Candidate], seen: dict[str, str]) -> tuple[Candidate, ...] | None:
    """Return a race's candidates with their shares (as `_candidates`), or None when the
    reader would refuse them or read them otherwise. `seen` holds the ids and names met so
    far: the same candidates in every commune share their strings."""
    if not items:
        return ()
    # Checked a field at a time with builtins (350,000 candidates: a loop of tests each
    # cost as much as the decoding).
    ids, names = list(map(_ID, items)), list(map(_NAME, items))
    votes, shares = list(map(_VOTES, items)), list(map(_SHARE, items))
    counted = [v for v in votes if v is not None]
    published = [p for p in shares if p is not None]
    if (
        len(set(ids)) != len(ids)
        or not (all(map(str.strip, ids)) and all(map(str.strip, names)))
        or max(map(len, ids)) > MAX_NAME
        or max(map(len, names)) > MAX_NAME
        or (counted and (min(counted) < 0 or max(counted) > MAX_COUNT))
        or (published and (min(published) < 0 or max(published) > 100))
    ):
        return None
    other = {*map(_PARTY, items), *map(_BY_TYPE, items)} != {None}  # not this format's
    cast = sum(counted) if counted else None
    # Fresh objects nobody else holds yet: completed in place, as `_candidates` builds them
    # (the feed's "share" is the published one; the share is computed from the votes where
    # any candidate has votes).
    for c, i, n, v, p in zip(items, ids, names, votes, shares, strict=True):
        _set(c, "id", seen.setdefault(i, i))
        _set(c, "name", seen.setdefault(n, n))
        _set(c, "published_share", p)
        _set(c, "share", p if cast is None else 100.0 * (v or 0) / cast if cast else None)
        if other:  # as the reader, which does not read them
            _set(c, "party", None)
            _set(c, "votes_by_type", None)
    return tuple(items)


_set = msgspec.structs.force_setattr  # the models are frozen
_ID, _NAME, _VOTES, _SHARE = (attrgetter(f) for f in ("id", "name", "votes", "share"))
_PARTY, _BY_TYPE = attrgetter("party"), attrgetter("votes_by_type")


def _read(data: bytes, origin: str) -> Snapshot:
    """Read a decoded document field by field, raising FeedError with the field's path."""
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
