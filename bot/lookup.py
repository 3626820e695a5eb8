"""Find a race by what a user types: an id, a code, or a place name, accents ignored. Pure."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

MAX_CHOICES = 8
_SEPARATORS = re.compile(r"[\s'’\-_]+")
CLOSE = 0.8  # how close a spelling must be (Indel similarity, 0 to 1) to name a race
SUGGEST = 0.5  # how close for a race to be suggested when nothing matched
TIE = 0.02  # close spellings this near the closest one are as good
NEARBY = 0.2  # suggestions this near the nearest one are offered beside it
MIN_WORD = 3  # shorter words of a name ("en", "du") are not matched on their own


@dataclass(frozen=True, kw_only=True, slots=True)
class RaceRef:
    """What the lookup needs of a stored race."""

    id: str
    name: str
    level: str
    code: str | None


@functools.lru_cache(maxsize=131_072)  # a night's race names, folded once per process
def fold(text: str) -> str:
    """Return text lower-cased without accents, dashes or apostrophes, for matching names."""
    lowered = text.casefold()
    if not lowered.isascii():
        decomposed = unicodedata.normalize("NFKD", lowered)
        lowered = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", lowered).strip()


def _unpadded(code: str) -> str:
    return code.lstrip("0") or code


def lookup(refs: Sequence[RaceRef], query: str) -> list[RaceRef]:
    """Return the races a query names, best match first; more than one means ambiguous.

    Tried in order, the first step with a match wins: id; code (with or without leading
    zeros: "75" finds "075"); whole name; names starting with the query or containing it as
    a word; then close spellings of an id, a code, a whole name or one word of a name
    ("nationl", "Primarie", "marseile"), the closest first.
    """
    q = fold(query)
    if not q:
        return []
    code = _unpadded(q)
    steps: tuple[Callable[[RaceRef], bool], ...] = (
        lambda r: fold(r.id) == q,
        lambda r: r.code is not None and _unpadded(fold(r.code)) == code,
        lambda r: fold(r.name) == q,
        lambda r: fold(r.name).startswith(q) or f" {q}" in f" {fold(r.name)}",
    )
    for matches in steps:
        found = [r for r in refs if matches(r)]
        if found:
            return found[:MAX_CHOICES]
    scored = _closest(refs, q, CLOSE)
    if not scored:
        return []
    best = scored[0][0]
    # Only the closest: "Ambérieu-en-Buguey" is Bugey's, though Dombes is close too.
    return [ref for score, ref in scored if score >= best - TIE][:MAX_CHOICES]


def suggest(refs: Sequence[RaceRef], query: str, n: int = 3) -> list[RaceRef]:
    """Return up to `n` races whose id, code, name or a word of it is nearest the query,
    for a "did you mean" when nothing matched."""
    scored = _closest(refs, fold(query), SUGGEST) if fold(query) else []
    best = scored[0][0] if scored else 0.0
    return [ref for score, ref in scored if score >= best - NEARBY][:n]


def _closest(refs: Sequence[RaceRef], q: str, cutoff: float) -> list[tuple[float, RaceRef]]:
    """Return (closeness, race) for the races with a key at least `cutoff` close to `q`
    (the Indel similarity that difflib's ratio approximates, 0 to 1), closest first, ties
    in the order given. RapidFuzz compares 35,000 communes' keys in milliseconds, where
    difflib took seconds of the event loop."""
    keys: list[str] = []
    owners: list[int] = []
    for i, ref in enumerate(refs):
        for key in _keys(ref):
            keys.append(key)
            owners.append(i)
    best: dict[int, float] = {}
    for _, score, at in process.extract(
        q, keys, scorer=fuzz.ratio, score_cutoff=cutoff * 100, limit=None
    ):
        owner = owners[at]
        best[owner] = max(best.get(owner, 0.0), score / 100)
    order = sorted(best, key=lambda i: (-best[i], i))
    return [(best[i], refs[i]) for i in order]


@functools.lru_cache(maxsize=131_072)
def _keys(ref: RaceRef) -> tuple[str, ...]:
    """Return what a typed word may be a close spelling of: the id, the code, the whole
    name and each word of the name of three letters or more."""
    name = fold(ref.name)
    keys = {fold(ref.id), name, *(w for w in name.split() if len(w) >= MIN_WORD)}
    if ref.code:
        keys.add(fold(ref.code))
    return tuple(sorted(keys))
