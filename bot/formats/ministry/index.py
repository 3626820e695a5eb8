"""The Ministry's index files: when each place's figures last changed, and whether complete.

Pure: bytes in, an `Index` out, or a FeedError naming the file, the element and the value.

**Files.** `index.xml` lists, per département (`Departements/Departement`) and per région
(`Regions/Region`), `DateDerMaj`/`HeureDerMaj` (the last change of its figures),
`DateDerExtract`/`HeureDerExtract` (the last extraction) and `Complet` (`O`/`N`: every
commune is in). `{DDD}IDX.xml` lists, per commune and arrondissement of one département
(`Departement/Tours/Tour/Communes/Commune`), `ResultatsParvenus` (`O`/`N`) and its own last
change. Times are Europe/Paris wall-clock time, as in the results files.

**Data time.** The Ministry's 2017–2022 results files carry no time of their own: a file's
data time is the last change its index gives the places it holds (`stamped`). A région the
index does not list is dated by the latest of its départements; France entière by the
latest of all. A département or région marked `Complet = O` is the race's final result.

**Which file is which place** (`place_of`), by the Ministry's layout of file names:
`FE.xml` France entière, `RRR/RRR.xml` a région, `RRR/DDD/DDD.xml` a département's totals,
`DDDcom.xml` its communes, `DDDIDX.xml` its index, `DDDCCC.xml` and `DDDCCCARnn.xml` one
commune or arrondissement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.formats.errors import FeedError
from bot.formats.ministry.reading import (
    child_text,
    missing,
    read_flag,
    read_stamp,
    required_text,
    stream,
    whole,
)
from bot.formats.ministry.state import Element, State, Wanted
from bot.models import Race, Snapshot, replace

_FILE = re.compile(r"([0-9A-Za-z]{3})(IDX|idx|com|[0-9A-Za-z]{3,}|)\.xml")
_REGION = re.compile(r"[0-9]{3}")  # a région's folder: `011/075/075.xml` is Paris


@dataclass(frozen=True, kw_only=True, slots=True)
class Mark:
    """What an index says of one place: when its figures last changed (None: never yet),
    whether it is complete (`Complet`) and whether its results came in
    (`ResultatsParvenus`), each None when the index does not say."""

    changed: datetime | None
    complete: bool | None = None
    received: bool | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Place:
    """Which place a file of the Ministry's layout holds: `kind` is "national", "région",
    "département" (its totals or its communes), "commune", "index" or "idx" (a
    département's commune index); `dept` and `code` as the Ministry writes them."""

    kind: str
    dept: str = ""
    code: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class Index:
    """What the index files read so far say: départements and régions by their 3-character
    code (`075`, `02A`, `011`), communes by département and code as published (`056AR01`)."""

    departements: Mapping[str, Mark] = field(default_factory=dict)
    regions: Mapping[str, Mark] = field(default_factory=dict)
    region_of: Mapping[str, str] = field(default_factory=dict)  # département → its région
    communes: Mapping[tuple[str, str], Mark] = field(default_factory=dict)

    def merged(self, newer: Index) -> Index:
        """Return this index with what a newer file says laid over it."""
        return Index(
            departements={**self.departements, **newer.departements},
            regions={**self.regions, **newer.regions},
            region_of={**self.region_of, **newer.region_of},
            communes={**self.communes, **newer.communes},
        )

    def region(self, code: str) -> Mark | None:
        """Return a région's mark; one the index does not list is dated by the latest of its
        départements (its figures are theirs), and not said complete."""
        if code in self.regions:
            return self.regions[code]
        marks = [m for d, m in self.departements.items() if self.region_of.get(d) == code]
        return Mark(changed=_latest(marks)) if marks else None

    def national(self) -> Mark | None:
        """Return France entière's mark: the latest change of any place, never complete."""
        marks = [*self.departements.values(), *self.regions.values()]
        return Mark(changed=_latest(marks)) if marks else None

    def mark(self, place: Place) -> Mark | None:
        """Return the mark that dates a file holding `place`; None when the index has none.
        A département's commune index is dated by the département."""
        if place.kind == "national":
            return self.national()
        if place.kind == "région":
            return self.region(place.code)
        if place.kind in ("département", "idx"):
            return self.departements.get(place.dept)
        if place.kind == "commune":
            return self.communes.get((place.dept, place.code))
        return None

    def race_mark(self, race: Race) -> Mark | None:
        """Return the mark of a parsed race by its id (`FE`, `R011`, `D075`, `C075056AR01`)."""
        kind, rest = race.id[:1], race.id[1:]
        if race.id == "FE":
            return self.national()
        if kind == "R":
            return self.region(rest)
        if kind == "D":
            return self.departements.get(rest)
        if kind == "C":
            return self.communes.get((rest[:3], rest[3:]))
        return None

    def stamped(self, snap: Snapshot) -> Snapshot:
        """Return a version dated by this index: a file without a time of its own takes the
        latest change the index gives its places, and a département or région the index
        marks complete is final. Unchanged when the index knows none of its places."""
        marks = {r.id: m for r in snap.races if (m := self.race_mark(r)) is not None}
        changed = _latest(marks.values())
        if changed is None:
            return snap
        own = all(r.dated for r in snap.races)  # a file with a time of its own keeps it
        races = tuple(_marked(r, marks.get(r.id)) for r in snap.races)
        return replace(snap, races=races, updated_at=snap.updated_at if own else changed)


def _marked(race: Race, mark: Mark | None) -> Race:
    final = race.final or (mark is not None and mark.complete is True and race.id[:1] in "DR")
    if race.dated and final == race.final:
        return race
    return replace(race, dated=True, final=final)


def _latest(marks: Iterable[Mark]) -> datetime | None:
    return max((m.changed for m in marks if m.changed is not None), default=None)


# ---------------------------------------------------------------- file names


def place_of(path: str) -> Place | None:
    """Return the place a file of the Ministry's layout holds, by its path or URL (None:
    not a name of that layout). `RRR/RRR.xml` is a région, `RRR/DDD/DDD.xml` a département."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    name = parts[-1] if parts else ""
    if name.lower() in ("fe.xml", "index.xml"):
        return Place(kind="national" if name.lower() == "fe.xml" else "index")
    m = _FILE.fullmatch(name)
    if m is None:
        return None
    code, rest = m.group(1).upper(), m.group(2)
    if rest.lower() in ("idx", "com"):
        return Place(kind="idx" if rest.lower() == "idx" else "département", dept=code)
    if rest:
        return Place(kind="commune", dept=code, code=rest.upper())
    above = [p.upper() for p in parts[:-1]]
    if not above or above[-1] != code:
        return None  # a bare `075.xml` is a région or a département: the folders say which
    if len(above) > 1 and _REGION.fullmatch(above[-2]):
        return Place(kind="département", dept=code)
    return Place(kind="région", code=code)


# ---------------------------------------------------------------- reading


def is_index(data: bytes) -> bool:
    """Say whether a Ministry file is an index (`index.xml`, `DDDIDX.xml`) rather than
    results, from its first elements: an index lists places without figures."""
    return _INDEX_HEAD.search(data[:_HEAD]) is not None


_HEAD = 65_536  # bytes looked at: an index says what it is in its first elements
_INDEX_HEAD = re.compile(
    rb"<Departements>|<Regions>|<Tour>\s*<NumTour>[^<]*</NumTour>\s*<Communes>"
)


def read_index(data: bytes, origin: str, round: int | None = None) -> Index:
    """Read `index.xml` or a `DDDIDX.xml` into an Index, or raise FeedError. Of an IDX file,
    the communes of round `round` are read (default: its highest `NumTour`)."""
    state = State(origin=origin, options=Wanted(round=round, communes=None))
    communes: list[tuple[int, str, str, Mark]] = []
    root = stream(data, origin, lambda elem: communes.append(_commune(state, elem)))
    depts: dict[str, Mark] = {}
    regions: dict[str, Mark] = {}
    region_of: dict[str, str] = {}
    for elem in root.iterfind("Departements/Departement"):
        code = _code3(state, elem, "CodDpt3Car", "CodDpt")
        depts[code] = _place_mark(state, elem)
        reg = child_text(elem, "CodReg3Car") or _pad3(child_text(elem, "CodReg") or "")
        if reg:
            region_of[code] = reg
    for elem in root.iterfind("Regions/Region"):
        regions[_code3(state, elem, "CodReg3Car", "CodReg")] = _place_mark(state, elem)
    chosen = round if round is not None else max((n for n, *_ in communes), default=None)
    by_code = {(d, c): m for n, d, c, m in communes if n == chosen}
    if not (depts or regions or communes):
        raise FeedError(origin, "(document)", None, "no Departement, Region or Commune indexed")
    return Index(departements=depts, regions=regions, region_of=region_of, communes=by_code)


def _commune(state: State, elem: Element) -> tuple[int, str, str, Mark]:
    """Read one commune of an IDX file: its round, département, code and mark."""
    holder = elem.getparent()
    tour = holder.getparent() if holder is not None else None
    dept = next(elem.iterancestors("Departement"), None)
    if tour is None or tour.tag != "Tour" or dept is None:
        raise FeedError(
            state.origin, "Commune", None, "an indexed Commune sits in Departement/Tours/Tour"
        )
    number = whole(state, tour.findtext("NumTour"), tour, "NumTour")
    code = required_text(state, elem, "CodSubCom", "CodCom")
    received = read_flag(state, elem, "ResultatsParvenus")
    mark = Mark(changed=read_stamp(state, elem), received=received)
    return number, _code3(state, dept, "CodDpt3Car", "CodDpt"), code, mark


def _place_mark(state: State, elem: Element) -> Mark:
    return Mark(changed=read_stamp(state, elem), complete=read_flag(state, elem, "Complet"))


def _code3(state: State, elem: Element, three: str, published: str) -> str:
    code = child_text(elem, three) or _pad3(child_text(elem, published) or "")
    if not code:
        raise missing(state, elem, three)
    return code


def _pad3(code: str) -> str:
    return code.zfill(3) if code[:1].isdigit() else code
