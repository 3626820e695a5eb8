"""What a Clarity file says, gathered while streaming: its turnout places and its contests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.formats.clarity.document import (
    MAX_NAME,
    Element,
    children,
    count_attr,
    path_of,
    tag_of,
    text_attr,
    timestamp,
)
from bot.formats.errors import FeedError
from bot.formats.slug import slug
from bot.models import Units

MAX_CANDIDATES = 1_000
# Precincts (a county file) or counties (a state file) per contest and in the turnout: Los
# Angeles County has about 5,000 precincts.
MAX_PLACES = 10_000
PLACES = ("Precinct", "County")
# A contest's own vote types (beside its choices') that Soirée keeps, by their names folded.
CONTEST_TYPES = {"undervotes": "undervotes", "overvotes": "overvotes"}
PROGRESS = ("precincts", "counties")  # what a contest's progress counts (option `progress`)
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
Rows = tuple[dict[str, dict[str, int]], str]  # per-place rows, and the column to add to


@dataclass(kw_only=True, slots=True)
class Place:
    """A precinct or county of the turnout element."""

    registered: int | None
    voters: int | None
    units: Units | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Choice:
    """A contest's choice: its name, party label, total, and the sum of its vote types."""

    text: str
    votes: int
    party: str | None = None
    by_type: int | None = None  # None: no VoteType breakdown published


@dataclass(kw_only=True, slots=True)
class Contest:
    """One contest, read: its figures overall and per place."""

    key: str
    text: str
    vote_for: int
    units: Units
    choices: dict[str, Choice]
    is_question: bool = False
    by_place: dict[str, dict[str, int]] = field(default_factory=dict)
    activity: dict[str, int] = field(default_factory=dict)
    # The contest's own vote types (CONTEST_TYPES): overall, and per place.
    extra: dict[str, int] = field(default_factory=dict)
    extra_by_place: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(kw_only=True, slots=True)
class Document:
    """What the file says, gathered while streaming."""

    origin: str
    stamp: datetime | None = None
    name: str | None = None
    day: date | None = None
    region: str | None = None
    level: str = "county"
    turnout: Place = field(default_factory=lambda: Place(registered=None, voters=None))
    places: dict[str, Place] = field(default_factory=dict)
    contests: list[Contest] = field(default_factory=list)


def read_document(
    xml: bytes, origin: str, wanted: frozenset[str] | None, progress: str = "precincts"
) -> Document:
    """Stream the file into a Document, keeping only the wanted contests (None: all), their
    progress in `progress` (PROGRESS)."""
    doc = Document(origin=origin)
    for elem in children(xml, origin):
        tag = elem.tag
        if tag == "Timestamp":
            doc.stamp = timestamp(elem.text, origin)
        elif tag == "ElectionName":
            doc.name = (elem.text or "").strip()[:MAX_NAME] or None
        elif tag == "ElectionDate":
            doc.day = _day(elem.text)
        elif tag == "Region":
            doc.region = (elem.text or "").strip() or None
        elif tag in ("VoterTurnout", "ElectionVoterTurnout"):
            doc.level = "state" if tag == "ElectionVoterTurnout" else "county"
            _turnout(elem, doc)
        elif tag == "Contest" and (wanted is None or _names(elem) & wanted):
            doc.contests.append(_contest(elem, origin, progress))
    return doc


def _day(raw: str | None) -> date | None:
    """Read `11/4/2014` (M/D/YYYY); a date that does not read is left unknown, since no
    figure depends on it."""
    match = _DATE.fullmatch((raw or "").strip())
    if match is None:
        return None
    month, day, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _names(elem: Element) -> set[str]:
    return {(elem.get(a) or "").strip().casefold() for a in ("key", "text")} - {""}


def _turnout(elem: Element, doc: Document) -> None:
    where = tag_of(elem)
    doc.turnout = _place(elem, where, doc.origin)
    for place in elem.iter(*PLACES):
        name = text_attr(place, path_of(place, where), "name", doc.origin)
        doc.places[name] = _place(place, path_of(place, where), doc.origin)
        if len(doc.places) > MAX_PLACES:
            raise FeedError(doc.origin, where, f"{len(doc.places)} places", "too many")


def _place(elem: Element, where: str, origin: str) -> Place:
    registered = count_attr(elem, where, "totalVoters", origin)
    total = count_attr(elem, where, "precinctsParticipating", origin)
    counted = count_attr(elem, where, "precinctsReported", origin)
    units = None
    if total is not None and counted is not None and counted <= total:
        units = Units(counted=counted, total=total, kind="precincts")
    return Place(
        registered=registered or None,
        voters=count_attr(elem, where, "ballotsCast", origin),
        units=units,
    )


def _contest(elem: Element, origin: str, progress: str) -> Contest:
    where = path_of(elem)
    units = _counties(elem, where, origin) if progress == "counties" else None
    contest = Contest(
        key=elem.get("key") or "",
        text=text_attr(elem, where, "text", origin),
        vote_for=count_attr(elem, where, "voteFor", origin) or 1,
        is_question=(elem.get("isQuestion") or "").strip().casefold() == "true",
        units=units or _units(elem, where, origin),
        choices={},
    )
    for child in elem:
        if child.tag == "Choice":
            _choice(child, contest, where, origin)
        elif child.tag == "VoteType":
            _contest_type(child, contest, path_of(child, where), origin)
    if len(contest.choices) > MAX_CANDIDATES:
        raise FeedError(origin, where, f"{len(contest.choices)} choices", "too many")
    return contest


def _contest_type(vote_type: Element, contest: Contest, where: str, origin: str) -> None:
    """Read a contest's own vote type: keep Undervotes and Overvotes, overall and per place."""
    name = CONTEST_TYPES.get(re.sub(r"[\s_-]", "", vote_type.get("name") or "").casefold())
    into = None if name is None else (contest.extra_by_place, name)
    total = _tally(vote_type, contest, into, where, origin)
    if name is not None:
        contest.extra[name] = contest.extra.get(name, 0) + total


def _counties(elem: Element, where: str, origin: str) -> Units:
    """Read a state contest's progress in counties (`progress = "counties"`)."""
    total = count_attr(elem, where, "countiesParticipating", origin, required=True) or 0
    counted = count_attr(elem, where, "countiesReported", origin, required=True) or 0
    if counted > total:
        reason = f"more than countiesParticipating ({total})"
        raise FeedError(origin, f"{where}@countiesReported", counted, reason)
    return Units(counted=counted, total=total, kind="counties")


def _units(elem: Element, where: str, origin: str) -> Units:
    participating = count_attr(elem, where, "precinctsParticipating", origin)
    reported = count_attr(elem, where, "precinctsReported", origin)
    reporting = count_attr(elem, where, "precinctsReporting", origin)
    if participating is not None:
        counted = reported if reported is not None else reporting
        if counted is None:
            raise FeedError(origin, f"{where}@precinctsReported", None, "missing attribute")
        if counted > participating:
            reason = f"more than precinctsParticipating ({participating})"
            raise FeedError(origin, f"{where}@precinctsReported", counted, reason)
        return Units(counted=counted, total=participating, kind="precincts")
    known = [v for v in (reporting, reported) if v is not None]
    if not known:
        raise FeedError(origin, f"{where}@precinctsReported", None, "missing attribute")
    total = max(known) if len(known) == 2 else None
    return Units(counted=min(known), total=total, kind="precincts")


def _choice(elem: Element, contest: Contest, parent: str, origin: str) -> None:
    where = path_of(elem, parent)
    text = text_attr(elem, where, "text", origin)
    cid = slug(text) or f"choice-{elem.get('key') or len(contest.choices) + 1}"
    if cid in contest.choices:
        cid = f"{cid}-{elem.get('key') or len(contest.choices) + 1}"
    if cid in contest.choices:
        raise FeedError(origin, f"{where}@key", elem.get("key"), "two choices with this key")
    by_type = [
        _tally(vt, contest, (contest.by_place, cid), path_of(vt, where), origin)
        for vt in elem
        if vt.tag == "VoteType"
    ]
    total = count_attr(elem, where, "totalVotes", origin)
    if total is None:
        if not by_type:
            raise FeedError(origin, f"{where}@totalVotes", None, "missing attribute")
        total = sum(by_type)
    party = (elem.get("party") or "").strip()[:MAX_NAME] or None
    contest.choices[cid] = Choice(
        text=text, votes=total, party=party, by_type=sum(by_type) if by_type else None
    )


def _tally(vote_type: Element, contest: Contest, into: Rows | None, where: str, o: str) -> int:
    """Add a VoteType's per-place votes to the contest's activity and to `into`; return its
    total."""
    for place in vote_type:
        if place.tag not in PLACES:
            continue
        spot = path_of(place, where)
        name = text_attr(place, spot, "name", o)
        votes = count_attr(place, spot, "votes", o, required=True) or 0
        contest.activity[name] = contest.activity.get(name, 0) + votes
        if len(contest.activity) > MAX_PLACES:
            raise FeedError(o, spot, f"{len(contest.activity)} places", "too many in one contest")
        if into is not None:
            row = into[0].setdefault(name, {})
            row[into[1]] = row.get(into[1], 0) + votes
    return count_attr(vote_type, where, "votes", o, required=True) or 0
