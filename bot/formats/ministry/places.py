"""Mapping a Ministry file to races: communes, départements (summed), régions, France entière.

Each race gets its progress (units): see the format's documentation in `parser`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace

from bot.formats.errors import FeedError
from bot.formats.ministry.figures import pick_tour, previous_tour, read_figures
from bot.formats.ministry.reading import (
    checked_name,
    child_text,
    missing,
    path_of,
    percent,
    read_flag,
    read_stamp,
    required_text,
)
from bot.formats.ministry.state import Commune, Element, Figures, State
from bot.models import Candidate, PreviousRound, Race, Turnout, Units, with_computed_shares

PCT_SCALE = 100
_LEVELS = {
    "Election": "national",
    "EnsembleGeo": "national",
    "Region": "région",
    "Departement": "département",
}

_ARRONDISSEMENT = re.compile(r"(.+?)AR[0-9]+")


# ---------------------------------------------------------------- communes


def read_commune(elem: Element, state: State) -> Commune:
    """Read one Commune element into a record of its chosen (or highest) round."""
    dept, dept_raw = _dept_of(state, elem)
    code = required_text(state, elem, "CodSubCom", "CodCom")
    name = child_text(elem, "LibSubCom", "LibCom") or code
    state.stamped(read_stamp(state, elem))
    tours = elem.find("Tours")
    picked = pick_tour(state, tours)
    received = read_flag(state, elem, "ResultatsParvenus") is not False
    figures = read_figures(state, *picked) if picked is not None and received else None
    before = previous_tour(state, tours, figures.round) if figures is not None else None
    return Commune(
        dept=dept,
        code=code,
        local=_local_code(code, dept_raw),
        name=checked_name(state, elem, "LibSubCom", name),
        figures=figures,
        previous=read_figures(state, figures.round - 1, before)
        if figures is not None and before is not None
        else None,
    )


def _dept_of(state: State, elem: Element) -> tuple[str, str]:
    """Return the 3-character and the published code of the Commune's Departement."""
    dept = next(elem.iterancestors("Departement"), None)
    if dept is None:
        raise FeedError(state.origin, path_of(elem), None, "a Commune must sit in a Departement")
    if dept is not state.dept_elem:
        state.dept_elem, state.dept = dept, _dept_codes(state, dept)
    return state.dept


def _dept_codes(state: State, dept: Element) -> tuple[str, str]:
    raw = child_text(dept, "CodDpt", "CodDpt3Car")
    if not raw:
        raise missing(state, dept, "CodDpt")
    return child_text(dept, "CodDpt3Car") or _pad3(raw), raw


def _pad3(code: str) -> str:
    return code.zfill(3) if code[:1].isdigit() else code


def _local_code(code: str, dept_raw: str) -> str:
    """Drop the département prefix of a 2024+ INSEE commune code (`75056` → `056`)."""
    if len(code) == 5 and code.startswith(dept_raw) and len(dept_raw) in (2, 3):
        return code[len(dept_raw) :].zfill(3)
    return code


# ---------------------------------------------------------------- places above the communes


def race_places(root: Element) -> list[tuple[Element, str]]:
    """Return the places that make a race, in document order, with their level."""
    out: list[tuple[Element, str]] = []
    for elem in root.iter("Election", "EnsembleGeo", "Region", "Departement"):
        has_tours = elem.find("Tours") is not None
        lists = elem.tag == "Departement" and elem.find("Communes") is not None
        if has_tours or lists:
            out.append((elem, _LEVELS[str(elem.tag)]))
    return out


def place_race(state: State, elem: Element, level: str, number: int) -> Race:
    """Return the race of a place above the communes, summed from them if need be."""
    race_id, code, name = _identity(state, elem, level)
    figures = _own_figures(state, elem, number)
    members = _members(state, code) if elem.find("Communes") is not None else None
    summed = figures is None and members is not None
    previous = None
    if summed and members is not None:
        figures = _sum(members, number)
        previous = _same_places(members, number, figures)
    elif figures is not None:
        before = previous_tour(state, elem.find("Tours"), number)
        whole = read_figures(state, number - 1, before) if before is not None else None
        previous = _previous(whole, figures, same_places=False)
    race = Race(
        id=race_id,
        name=name,
        final=read_flag(state, elem, "Complet") is True,
        units=_units(state, elem, members, number),
        turnout=figures.turnout if figures else Turnout(),
        candidates=figures.candidates if figures else (),
        level=level,
        code=code,
        summed=summed,
        previous=previous,
    )
    return with_computed_shares(race)


def _previous(before: Figures | None, now: Figures, *, same_places: bool) -> PreviousRound | None:
    """Return the previous round's figures, each share under this round's candidate id (a
    candidate's panel number may change between rounds: matched by name, else by id)."""
    if before is None or before.turnout.voters is None:
        return None
    cast = sum(c.votes or 0 for c in before.candidates)
    then = {c.name: c for c in before.candidates} | {c.id: c for c in before.candidates}
    shares = []
    for c in now.candidates:
        old = then.get(c.name) or then.get(c.id)
        if old is not None and old.votes is not None and cast:
            shares.append((c.id, 100.0 * old.votes / cast))
    return PreviousRound(
        voters=before.turnout.voters,
        registered=before.turnout.registered,
        same_places=same_places,
        shares=tuple(shares),
    )


def _same_places(members: list[Commune], number: int, now: Figures) -> PreviousRound | None:
    """Return the previous round summed over the communes received for this one, when each
    of them holds it: the same places, compared like for like."""
    received = [c for c in members if _received(c, number) is not None]
    if not received or any(c.previous is None for c in received):
        return None
    before = _sum((replace(c, figures=c.previous) for c in received), number - 1)
    return _previous(before, now, same_places=True)


def _identity(state: State, elem: Element, level: str) -> tuple[str, str, str]:
    """Return the race id, code and name of a place."""
    if level == "national":
        return "FE", "FE", "France entière"
    if level == "région":
        raw = child_text(elem, "CodReg3Car", "CodReg")
        if not raw:
            raise missing(state, elem, "CodReg")
        code = child_text(elem, "CodReg3Car") or _pad3(raw)
        return f"R{code}", code, child_text(elem, "LibReg") or f"Région {code}"
    code = _dept_codes(state, elem)[0]
    return f"D{code}", code, child_text(elem, "LibDpt") or f"Département {code}"


def _own_figures(state: State, elem: Element, number: int) -> Figures | None:
    picked = pick_tour(state, elem.find("Tours"))
    if picked is None or picked[0] != number:
        return None
    return read_figures(state, *picked)


def _members(state: State, dept: str) -> list[Commune]:
    """Return the département's communes that count once each (not an arrondissement of one)."""
    listed = [c for c in state.communes if c.dept == dept]
    codes = {c.code for c in listed}
    return [c for c in listed if not _is_arrondissement_of(c.code, codes)]


def _is_arrondissement_of(code: str, codes: set[str]) -> bool:
    match = _ARRONDISSEMENT.fullmatch(code)
    return match is not None and match.group(1) in codes


def _received(commune: Commune, number: int) -> Figures | None:
    figures = commune.figures
    return figures if figures is not None and figures.round == number else None


def _sum(members: Iterable[Commune], number: int) -> Figures:
    """Sum the figures of the communes received for the round."""
    received = [f for f in (_received(c, number) for c in members) if f is not None]
    turnout = Turnout(
        **{
            key: _total(getattr(f.turnout, key) for f in received)
            for key in ("registered", "voters", "blank", "null", "valid")
        }
    )
    votes: dict[str, int] = {}
    first: dict[str, Candidate] = {}  # its name and party label, as the first commune says
    for f in received:
        for c in f.candidates:
            first.setdefault(c.id, c)
            votes[c.id] = votes.get(c.id, 0) + (c.votes or 0)
    candidates = tuple(
        Candidate(id=i, name=c.name, votes=votes[i], party=c.party) for i, c in first.items()
    )
    return Figures(round=number, turnout=turnout, candidates=candidates)


def _total(values: Iterator[int | None]) -> int | None:
    items = list(values)
    if not items or any(v is None for v in items):
        return None
    return sum(v for v in items if v is not None)


def _units(state: State, elem: Element, members: list[Commune] | None, number: int) -> Units:
    raw = elem.findtext("PourcentageBureauxDeVoteSaisis")
    pct = percent(state, raw, elem, "PourcentageBureauxDeVoteSaisis")
    if pct is not None:
        return Units(counted=round(pct * PCT_SCALE), total=100 * PCT_SCALE, kind="percent")
    if members is not None:
        counted = sum(1 for c in members if _received(c, number) is not None)
        return Units(counted=counted, total=len(members), kind="communes")
    return Units(counted=0, total=None, kind="none")  # a totals file: no progress published


def kept(state: State, commune: Commune) -> bool:
    """Return True when the `communes` option keeps this commune as a race."""
    wanted = state.options.communes
    if wanted is None:
        return True
    names = (commune.code, f"{commune.dept}{commune.code}", f"{commune.dept}{commune.local}")
    return commune.race_id in wanted or any(n in wanted for n in names)


def commune_race(commune: Commune, number: int) -> Race:
    """Return a commune's race: 1 of 1 once it has results for the round (a commune comes in
    whole), a progress of its own that messages do not spell out (kind "none")."""
    figures = _received(commune, number)
    race = Race(
        id=commune.race_id,
        name=commune.name,
        units=Units(counted=1 if figures else 0, total=1, kind="none"),
        turnout=figures.turnout if figures else Turnout(),
        candidates=figures.candidates if figures else (),
        level="commune",
        code=commune.code,
        previous=_previous(commune.previous, figures, same_places=True) if figures else None,
    )
    return race  # its candidates' shares were computed as they were read (figures.py)
