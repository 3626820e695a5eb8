"""Clarity ENR (Scytl) results (`format = "clarity-xml"`): `detail.xml`, plain or zipped.

Pure: bytes in, Snapshot out, or FeedError naming the file, the element and the value.

**Input.** The `detail.xml` of a county (`VoterTurnout/Precincts/Precinct`) or of a state
(`ElectionVoterTurnout/Counties/County`), or the `detailxml.zip` it is published in
(recognised by the zip magic bytes; it must hold exactly `detail.xml`, at most
`MAX_XML_BYTES` once uncompressed, so a zip bomb is refused). The XML is read as a stream
with lxml, entities unresolved and no network; any DOCTYPE is refused (entity bombs,
external entities).

**Races.** One race per `Contest`: id = the contest's text slugged (`"US Senator -
REPUBLICAN"` → `us-senator-republican`; the contest `key` is appended when two texts give
the same slug), name = its text, level `county` in a county file and `state` in a state
file, code = the file's `Region` (a string). Candidates are the contest's `Choice`s (id =
text slugged, votes = `totalVotes`, else the sum of its `VoteType` votes); shares are
computed from the votes.

**Progress.** A state file's contest gives `precinctsParticipating` (total) and
`precinctsReported` (counted). A county file's contest gives `precinctsReporting` and
`precinctsReported`, whose meaning is not documented: the smaller is taken as counted and
the larger as the total, so either reading gives counted ≤ total.

**Turnout.** `totalVoters` → registered (`0`, registration not loaded, → unknown) and
`ballotsCast` → voters, from the file's turnout element. Voters are left unknown for a
contest with `voteFor` above 1, whose votes may exceed the ballots. Blank, null and valid
are not published per contest.

**Data time.** `<Timestamp>11/5/2024 10:42:17 PM EST</Timestamp>`, US zone abbreviations
(`EST`, `EDT`, `CST`, `CDT`, `MST`, `MDT`, `PST`, `PDT`, `AKST`, `AKDT`, `HST`, `HDT`, and
`UTC`/`GMT`) read as fixed offsets.

Options (`[sources.options]`, all optional):

- `election`: the election id of the snapshots (default: `ElectionName`, slugged).
- `contests`: a list of contest keys or texts to follow (default: every contest); one
  missing from the file rejects it.
- `breakdown`: `true` adds one race per contest and precinct (county file, level
  `precinct`) or county (state file, level `county`), id `CONTEST/PLACE`
  (`us-senator/a101`), from the `VoteType` breakdown. A precinct is counted (1 of 1) once
  it has votes; a county takes its precinct counts from the state file's `Counties`.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from lxml import etree

from bot.formats import numbers, xmlsafe
from bot.formats.errors import FeedError
from bot.formats.numbers import NumberError
from bot.formats.slug import slug
from bot.models import Candidate, Race, Snapshot, Turnout, Units, with_computed_shares

FORMAT = "clarity-xml"
MAX_XML_BYTES = 200_000_000
MAX_CANDIDATES = 1_000
MAX_NAME = 200
MAX_RACES = 100_000
MAX_COUNT = 10**12 - 1
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OPTIONS = ("election", "contests", "breakdown")
ZONES = {
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
    "HDT": -9,
    "UTC": 0,
    "GMT": 0,
}
PLACES = ("Precinct", "County")
_STAMP = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2}):(\d{2}) ?([AP]M) ([A-Z]{2,4})")

Element = etree._Element


# --- options -------------------------------------------------------------------------------


def check_options(options: Mapping[str, Any]) -> list[str]:
    """Return the errors of a clarity-xml source's options, each starting with its key."""
    errors = [
        f"{key}: unknown option (expected one of {', '.join(OPTIONS)})"
        for key in options
        if key not in OPTIONS and not key.startswith("_")
    ]
    election = options.get("election", "x")
    if not isinstance(election, str) or not election.strip():
        errors.append("election: expected a non-empty string")
    contests = options.get("contests", [])
    if not isinstance(contests, list) or not all(isinstance(c, str) and c for c in contests):
        errors.append("contests: expected a list of contest keys or names")
    if not isinstance(options.get("breakdown", False), bool):
        errors.append("breakdown: expected true or false")
    return errors


# --- bytes to elements ---------------------------------------------------------------------


def _unzip(data: bytes, origin: str) -> bytes:
    """Return detail.xml from a Clarity zip, refusing other members and oversized content."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if names != ["detail.xml"]:
                raise FeedError(origin, "(zip)", names, "expected exactly one member, detail.xml")
            info = archive.getinfo("detail.xml")
            if info.file_size > MAX_XML_BYTES:
                raise _too_big(origin, info.file_size)
            with archive.open(info) as member:
                xml = member.read(MAX_XML_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, struct.error) as exc:
        # zipfile reports damaged archives with any of these (a bad offset is a ValueError).
        raise FeedError(origin, "(zip)", str(exc), "not a readable zip archive") from exc
    except (RuntimeError, NotImplementedError) as exc:
        raise FeedError(origin, "(zip)/detail.xml", str(exc), "cannot be extracted") from exc
    if len(xml) > MAX_XML_BYTES:
        raise _too_big(origin, len(xml))
    return xml


def _too_big(origin: str, size: int) -> FeedError:
    return FeedError(origin, "(zip)/detail.xml", f"{size} bytes", f"more than {MAX_XML_BYTES}")


def _children(xml: bytes, origin: str) -> Iterator[Element]:
    """Yield each child of ElectionResult once it is complete, then drop it."""
    context = xmlsafe.iterparse(xml, events=("start", "end"))
    depth = 0
    try:
        for event, elem in context:
            if event == "start":
                depth += 1
                if depth == 1:
                    _check_root(elem, xml, origin)
                continue
            depth -= 1
            if depth == 1:
                yield elem
                elem.clear(keep_tail=False)
                parent = elem.getparent()
                if parent is not None:
                    parent.remove(elem)
    except etree.LxmlError as exc:
        line = exc.lineno if isinstance(exc, etree.ParseError) else None
        where = f"(document, line {line})" if line else "(document)"
        raise FeedError(origin, where, str(exc), "invalid XML") from exc


def _check_root(root: Element, xml: bytes, origin: str) -> None:
    info = root.getroottree().docinfo
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype:
        start = max(xml.find(b"<!DOCTYPE"), 0)
        shown = xml[start : start + 60].decode("utf-8", "replace")
        reason = "a DOCTYPE is refused (entity declarations: entity bombs, external entities)"
        raise FeedError(origin, "(document)/!DOCTYPE", shown, reason)
    if root.tag != "ElectionResult":
        raise FeedError(origin, "(document)", _tag(root), "expected the root ElectionResult")


# --- reading attributes --------------------------------------------------------------------


def _tag(elem: Element) -> str:
    tag = elem.tag
    return tag if isinstance(tag, str) else repr(tag)


def _path(elem: Element, parent: str = "") -> str:
    """Name an element for errors: `Contest[key=4]/Choice[key=1]`."""
    attr = "key" if elem.get("key") else "name" if elem.get("name") else None
    label = f"{_tag(elem)}[{attr}={elem.get(attr)}]" if attr else _tag(elem)
    return f"{parent}/{label}" if parent else label


def _count(elem: Element, where: str, attr: str, origin: str, required: bool = False) -> int | None:
    """Read a whole-number attribute; None when absent and not required."""
    raw = elem.get(attr)
    try:
        value = None if raw is None else numbers.count(raw, MAX_COUNT)
    except NumberError:
        raise FeedError(origin, f"{where}@{attr}", raw, "expected a whole number") from None
    if value is None and required:
        raise FeedError(origin, f"{where}@{attr}", raw, "missing attribute")
    return value


def _text(elem: Element, where: str, attr: str, origin: str) -> str:
    value = (elem.get(attr) or "").strip()
    if not value:
        raise FeedError(origin, f"{where}@{attr}", elem.get(attr), "expected a non-empty name")
    if len(value) > MAX_NAME:
        raise FeedError(origin, f"{where}@{attr}", value, f"longer than {MAX_NAME} characters")
    return value


def _timestamp(raw: str | None, origin: str) -> datetime:
    """Parse `11/5/2024 10:42:17 PM EST` into an aware datetime."""
    match = _STAMP.fullmatch((raw or "").strip())
    if match is None:
        raise FeedError(origin, "Timestamp", raw, "expected M/D/YYYY h:mm:ss AM/PM ZONE")
    month, day, year, hour, minute, second = (int(g) for g in match.groups()[:6])
    half, zone = match.group(7), match.group(8)
    if zone not in ZONES:
        raise FeedError(origin, "Timestamp", raw, f"unknown time zone {zone}")
    if not 1 <= hour <= 12:
        raise FeedError(origin, "Timestamp", raw, "hour must be 1–12 with AM/PM")
    hour = hour % 12 + (12 if half == "PM" else 0)
    offset = timezone(timedelta(hours=ZONES[zone]), zone) if ZONES[zone] else UTC
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=offset)
    except ValueError as exc:
        raise FeedError(origin, "Timestamp", raw, f"not a date ({exc})") from exc


# --- the document ---------------------------------------------------------------------------


@dataclass(kw_only=True, slots=True)
class _Place:
    """A precinct or county of the turnout element."""

    registered: int | None
    voters: int | None
    units: Units | None = None


@dataclass(kw_only=True, slots=True)
class _Contest:
    """One contest, read: its figures overall and per place."""

    key: str
    text: str
    vote_for: int
    units: Units
    choices: dict[str, tuple[str, int]]
    by_place: dict[str, dict[str, int]] = field(default_factory=dict)
    activity: dict[str, int] = field(default_factory=dict)


@dataclass(kw_only=True, slots=True)
class _Document:
    """What the file says, gathered while streaming."""

    origin: str
    stamp: datetime | None = None
    name: str | None = None
    region: str | None = None
    level: str = "county"
    turnout: _Place = field(default_factory=lambda: _Place(registered=None, voters=None))
    places: dict[str, _Place] = field(default_factory=dict)
    contests: list[_Contest] = field(default_factory=list)


def _read(xml: bytes, origin: str, wanted: frozenset[str] | None) -> _Document:
    doc = _Document(origin=origin)
    for elem in _children(xml, origin):
        tag = elem.tag
        if tag == "Timestamp":
            doc.stamp = _timestamp(elem.text, origin)
        elif tag == "ElectionName":
            doc.name = (elem.text or "").strip() or None
        elif tag == "Region":
            doc.region = (elem.text or "").strip() or None
        elif tag in ("VoterTurnout", "ElectionVoterTurnout"):
            doc.level = "state" if tag == "ElectionVoterTurnout" else "county"
            _turnout(elem, doc)
        elif tag == "Contest" and (wanted is None or _names(elem) & wanted):
            doc.contests.append(_contest(elem, origin))
    return doc


def _names(elem: Element) -> set[str]:
    return {(elem.get(a) or "").strip().casefold() for a in ("key", "text")} - {""}


def _turnout(elem: Element, doc: _Document) -> None:
    where = _tag(elem)
    doc.turnout = _place(elem, where, doc.origin)
    for place in elem.iter(*PLACES):
        name = _text(place, _path(place, where), "name", doc.origin)
        doc.places[name] = _place(place, _path(place, where), doc.origin)


def _place(elem: Element, where: str, origin: str) -> _Place:
    registered = _count(elem, where, "totalVoters", origin)
    total = _count(elem, where, "precinctsParticipating", origin)
    counted = _count(elem, where, "precinctsReported", origin)
    units = None
    if total is not None and counted is not None and counted <= total:
        units = Units(counted=counted, total=total)
    return _Place(
        registered=registered or None,
        voters=_count(elem, where, "ballotsCast", origin),
        units=units,
    )


def _contest(elem: Element, origin: str) -> _Contest:
    where = _path(elem)
    contest = _Contest(
        key=elem.get("key") or "",
        text=_text(elem, where, "text", origin),
        vote_for=_count(elem, where, "voteFor", origin) or 1,
        units=_units(elem, where, origin),
        choices={},
    )
    for child in elem:
        if child.tag == "Choice":
            _choice(child, contest, where, origin)
        elif child.tag == "VoteType":
            _tally(child, contest, None, _path(child, where), origin)
    if len(contest.choices) > MAX_CANDIDATES:
        raise FeedError(origin, where, f"{len(contest.choices)} choices", "too many")
    return contest


def _units(elem: Element, where: str, origin: str) -> Units:
    participating = _count(elem, where, "precinctsParticipating", origin)
    reported = _count(elem, where, "precinctsReported", origin)
    reporting = _count(elem, where, "precinctsReporting", origin)
    if participating is not None:
        counted = reported if reported is not None else reporting
        if counted is None:
            raise FeedError(origin, f"{where}@precinctsReported", None, "missing attribute")
        if counted > participating:
            reason = f"more than precinctsParticipating ({participating})"
            raise FeedError(origin, f"{where}@precinctsReported", counted, reason)
        return Units(counted=counted, total=participating)
    known = [v for v in (reporting, reported) if v is not None]
    if not known:
        raise FeedError(origin, f"{where}@precinctsReported", None, "missing attribute")
    return Units(counted=min(known), total=max(known) if len(known) == 2 else None)


def _choice(elem: Element, contest: _Contest, parent: str, origin: str) -> None:
    where = _path(elem, parent)
    text = _text(elem, where, "text", origin)
    cid = slug(text) or f"choice-{elem.get('key') or len(contest.choices) + 1}"
    if cid in contest.choices:
        cid = f"{cid}-{elem.get('key') or len(contest.choices) + 1}"
    if cid in contest.choices:
        raise FeedError(origin, f"{where}@key", elem.get("key"), "two choices with this key")
    by_type = [
        _tally(vt, contest, cid, _path(vt, where), origin) for vt in elem if vt.tag == "VoteType"
    ]
    total = _count(elem, where, "totalVotes", origin)
    if total is None:
        if not by_type:
            raise FeedError(origin, f"{where}@totalVotes", None, "missing attribute")
        total = sum(by_type)
    contest.choices[cid] = (text, total)


def _tally(vote_type: Element, contest: _Contest, cid: str | None, where: str, o: str) -> int:
    """Add a VoteType's per-place votes to the contest; return its total."""
    for place in vote_type:
        if place.tag not in PLACES:
            continue
        spot = _path(place, where)
        name = _text(place, spot, "name", o)
        votes = _count(place, spot, "votes", o, required=True) or 0
        contest.activity[name] = contest.activity.get(name, 0) + votes
        if cid is not None:
            row = contest.by_place.setdefault(name, {})
            row[cid] = row.get(cid, 0) + votes
    return _count(vote_type, where, "votes", o, required=True) or 0


# --- races ---------------------------------------------------------------------------------


def _races(doc: _Document, breakdown: bool) -> Iterator[Race]:
    taken: set[str] = set()
    for contest in doc.contests:
        rid = slug(contest.text) or f"contest-{contest.key}"
        if rid in taken:
            rid = f"{rid}-{contest.key}"
        if rid in taken:
            where = _path_of(contest)
            raise FeedError(doc.origin, f"{where}@key", contest.key, "two contests with this key")
        taken.add(rid)
        yield _race(contest, rid, contest.text, doc.level, doc.region, contest.units, doc.turnout)
        if breakdown:
            yield from _place_races(doc, contest, rid)


def _path_of(contest: _Contest) -> str:
    return f"Contest[key={contest.key}]" if contest.key else f"Contest[text={contest.text}]"


def _place_races(doc: _Document, contest: _Contest, rid: str) -> Iterator[Race]:
    level = "precinct" if doc.level == "county" else "county"
    for i, name in enumerate(contest.activity, start=1):
        place = doc.places.get(name, _Place(registered=None, voters=None))
        active = contest.activity[name] > 0
        units = place.units or Units(counted=1 if active else 0, total=1)
        votes = contest.by_place.get(name, {})
        choices = {cid: (text, votes.get(cid, 0)) for cid, (text, _) in contest.choices.items()}
        part = _Contest(
            key=contest.key,
            text=contest.text,
            vote_for=contest.vote_for,
            units=units,
            choices=choices,
        )
        yield _race(
            part, f"{rid}/{slug(name) or i}", f"{contest.text} — {name}", level, name, units, place
        )


def _race(
    contest: _Contest, rid: str, name: str, level: str, code: str | None, units: Units, at: _Place
) -> Race:
    race = Race(
        id=rid,
        name=name,
        units=units,
        turnout=Turnout(
            registered=at.registered, voters=at.voters if contest.vote_for == 1 else None
        ),
        candidates=tuple(
            Candidate(id=cid, name=text, votes=votes)
            for cid, (text, votes) in contest.choices.items()
        ),
        level=level,
        code=code,
    )
    return with_computed_shares(race)


# --- entry point -----------------------------------------------------------------------------


def parse(data: bytes, origin: str, options: Mapping[str, Any], fetched_at: datetime) -> Snapshot:
    """Parse a Clarity detail.xml (or its zip) into a Snapshot, or raise FeedError.

    Its Timestamp is required: the fetch time is not used."""
    errors = check_options(options)
    if errors:
        raise FeedError(origin, "(options)", errors[0], "invalid clarity-xml options")
    xml = _unzip(data, origin) if data.startswith(ZIP_MAGIC) else data
    if len(xml) > MAX_XML_BYTES:
        raise FeedError(origin, "(document)", f"{len(xml)} bytes", f"more than {MAX_XML_BYTES}")
    contests = options.get("contests")
    wanted = frozenset(c.strip().casefold() for c in contests) if contests else None
    doc = _read(xml, origin, wanted)
    if doc.stamp is None:
        raise FeedError(origin, "ElectionResult/Timestamp", None, "missing element")
    _check_wanted(doc, wanted, origin)
    races: list[Race] = []
    for race in _races(doc, bool(options.get("breakdown", False))):
        if len(races) == MAX_RACES:
            raise FeedError(
                origin, "ElectionResult/Contest", race.id, f"more than {MAX_RACES} races"
            )
        races.append(race)
    if not races:
        raise FeedError(origin, "ElectionResult/Contest", None, "no contest in the file")
    election = options.get("election") or slug(doc.name or "") or "clarity"
    return Snapshot(election=election, updated_at=doc.stamp, races=tuple(races))


def _check_wanted(doc: _Document, wanted: frozenset[str] | None, origin: str) -> None:
    if wanted is None:
        return
    found = {n for c in doc.contests for n in (c.key.casefold(), c.text.casefold())}
    missing = sorted(wanted - found)
    if missing:
        raise FeedError(origin, "options.contests", missing, "no such contest in the file")
