"""Find a race by what a user types: an id, a code, or a place name, accents ignored. Pure."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MAX_CHOICES = 8


@dataclass(frozen=True, kw_only=True, slots=True)
class RaceRef:
    """What the lookup needs of a stored race."""

    id: str
    name: str
    level: str
    code: str | None


def fold(text: str) -> str:
    """Return text lower-cased without accents, dashes or apostrophes, for matching names."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s'’\-_]+", " ", bare).strip()


def _unpadded(code: str) -> str:
    return code.lstrip("0") or code


def lookup(refs: Sequence[RaceRef], query: str) -> list[RaceRef]:
    """Return the races a query names, best match first; more than one means ambiguous.

    Tried in order, the first step with a match wins: id; code (with or without leading
    zeros: "75" finds "075"); whole name; names starting with the query or containing it as
    a word; then close spellings.
    """
    q = fold(query)
    if not q:
        return []
    steps: tuple[Callable[[RaceRef], bool], ...] = (
        lambda r: fold(r.id) == q,
        lambda r: r.code is not None and _unpadded(fold(r.code)) == _unpadded(q),
        lambda r: fold(r.name) == q,
        lambda r: fold(r.name).startswith(q) or f" {q}" in f" {fold(r.name)}",
    )
    for matches in steps:
        found = [r for r in refs if matches(r)]
        if found:
            return found[:MAX_CHOICES]
    names = {fold(r.name): r for r in refs}
    close = difflib.get_close_matches(q, list(names), n=MAX_CHOICES, cutoff=0.8)
    return [names[name] for name in close]
