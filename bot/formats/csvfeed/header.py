"""The header line: which column holds each mapped field, and each wide-layout candidate;
in the blocks layout, where the repeated candidate block starts and how wide it is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.formats.csvfeed.options import BLOCK_FIELDS, PATTERNS, Spec
from bot.formats.errors import FeedError

MAX_COLUMNS = 10_000


@dataclass(frozen=True, kw_only=True, slots=True)
class Block:
    """The columns of one wide-layout candidate."""

    key: str
    name: str | None = None
    votes: int | None = None
    share: int | None = None
    names: tuple[int, ...] = ()
    ident: int | None = None

    @property
    def first_column(self) -> int:
        """Return the column that names this candidate in errors."""
        return next(i for i in (self.ident, *self.names, self.votes, self.share) if i is not None)


@dataclass(frozen=True, kw_only=True, slots=True)
class Plan:
    """Column indices of the mapped fields, and the candidate blocks of the wide layout.

    `cols` gives a field's first column (the one its errors name), `parts` every column it
    joins. In the blocks layout, `block` is (start, width): candidate k's field at column c
    of the header's block is at c + k × width in a row."""

    header: tuple[str, ...]
    cols: Mapping[str, int]
    blocks: tuple[Block, ...]
    parts: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    block: tuple[int, int] | None = None


def read_header(header: list[str], spec: Spec, origin: str) -> Plan:
    """Return the plan of the header line: each mapped field's column, each candidate's."""
    names = tuple(h.strip().lstrip("\ufeff").strip() for h in header)
    if len(names) > MAX_COLUMNS:
        raise FeedError(origin, "line 1", f"{len(names)} columns", f"more than {MAX_COLUMNS}")
    index: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        if name:
            index.setdefault(name.casefold(), []).append(i)
    parts = {
        f: tuple(_column(index, names, f, c, origin) for c in cs) for f, cs in spec.columns.items()
    }
    cols = {f: cs[0] for f, cs in parts.items()}
    blocks = _blocks(names, spec, origin) if spec.layout == "wide" else ()
    block = _repeated(names, parts, origin) if spec.layout == "blocks" else None
    return Plan(header=names, cols=cols, blocks=blocks, parts=parts, block=block)


def _repeated(
    names: tuple[str, ...], parts: Mapping[str, tuple[int, ...]], o: str
) -> tuple[int, int]:
    """Return where the candidate block starts (its first mapped column) and its width (to
    the header's end); every other mapped field must come before it."""
    inside = [i for f, cs in parts.items() if f in BLOCK_FIELDS for i in cs]
    if not inside:
        raise FeedError(o, "line 1", "columns.votes", "no candidate column mapped")
    start = min(inside)
    late = next((f for f, cs in parts.items() if f not in BLOCK_FIELDS and max(cs) > start), None)
    if late is not None:
        column = names[max(parts[late])]
        reason = f"columns.{late} is inside the candidate block (from {names[start]!r})"
        raise FeedError(o, "line 1", column, reason)
    return start, len(names) - start


def _column(index: dict[str, list[int]], names: tuple[str, ...], fld: str, col: str, o: str) -> int:
    found = index.get(col.casefold(), [])
    if not found:
        shown = ", ".join(repr(n) for n in names if n)
        raise FeedError(o, f"columns.{fld}", col, f"no such column in the header ({shown})")
    if len(found) > 1:
        raise FeedError(o, f"columns.{fld}", col, f"{len(found)} columns have this name")
    return found[0]


def _blocks(names: tuple[str, ...], spec: Spec, origin: str) -> tuple[Block, ...]:
    found: dict[str, dict[str, Any]] = {}
    taken: set[int] = set()
    for role in PATTERNS:
        for pattern in spec.patterns.get(role, ()):
            for i, name in enumerate(names):
                match = None if i in taken else pattern.search(name)
                if match is None:
                    continue
                taken.add(i)
                groups = match.groupdict()
                label = (groups.get("name") or "").strip()
                key = (groups.get("key") or label).strip()
                slot = found.setdefault(key, {"key": key, "names": ()})
                if label and role in PATTERNS[:2]:
                    slot["name"] = label
                _assign(slot, role, i, names, origin)
    blocks = [Block(**slot) for slot in found.values()]
    if not blocks:
        shown = ", ".join(p.pattern for p in spec.patterns.get("candidate_votes", ()))
        raise FeedError(origin, "line 1", shown, "no column matches candidate_votes")
    bare = next((b for b in blocks if b.votes is None and b.share is None), None)
    if bare is not None:
        column = names[bare.first_column]
        raise FeedError(origin, "line 1", column, "a candidate block with no votes or share column")
    return tuple(blocks)


def _assign(slot: dict[str, Any], role: str, i: int, names: tuple[str, ...], origin: str) -> None:
    if role == "candidate_name":
        slot["names"] = (*slot["names"], i)
        return
    attr = {"candidate_votes": "votes", "candidate_share": "share", "candidate_id": "ident"}[role]
    if attr in slot:
        raise FeedError(origin, "line 1", names[i], f"a second {role} column for {slot['key']!r}")
    slot[attr] = i
