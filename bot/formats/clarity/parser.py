"""Clarity ENR (Scytl) results (`format = "clarity-xml"`): `detail.xml`, plain or zipped.

Pure: bytes in, Snapshot out, or FeedError naming the file, the element and the value.

**Input.** The `detail.xml` of a county (`VoterTurnout/Precincts/Precinct`) or of a state
(`ElectionVoterTurnout/Counties/County`), or the `detailxml.zip` it is published in
(recognised by the zip magic bytes; it must hold exactly `detail.xml`, at most the source's
`max_bytes` once uncompressed, inflated 64 kB at a time, so a zip bomb is refused). The XML
is read as a stream with lxml, entities unresolved and no network; any DOCTYPE is refused
(entity bombs, external entities). What the parse holds is bounded too: elements in one
contest (`MAX_PART_ELEMENTS`), places per contest and in the turnout (`MAX_PLACES`),
choices per contest (`MAX_CANDIDATES`), races (`MAX_RACES`) and candidates over all races
(`MAX_ENTRIES`).

**Races.** One race per `Contest`: id = the contest's text slugged (`"US Senator -
REPUBLICAN"` → `us-senator-republican`; the contest `key` is appended when two texts give
the same slug), name = its text, level `county` in a county file and `state` in a state
file, code = the file's `Region` (a string), `vote_for` = its `voteFor` (the top
`voteFor` are elected: the diff follows that set, not a leader), `is_question` = its
`isQuestion` (a measure, whose choices are answers). Candidates are the contest's
`Choice`s (id = text slugged, party = its `party`, votes = `totalVotes`, else the sum of its
`VoteType` votes); shares are computed from the votes. A `totalVotes` that differs from the
sum of the choice's `VoteType`s is kept beside it (`votes_by_type`): the check
`vote_types` flags it. The snapshot keeps `ElectionName` and `ElectionDate` (M/D/YYYY; one
that does not read is left unknown) as the election's own name and date.

**Progress**, in precincts (`Units.kind = "precincts"`). A state file's contest gives
`precinctsParticipating` (total) and `precinctsReported` (counted). A county file's contest
gives `precinctsReporting` and `precinctsReported`, whose meaning is not documented: the
smaller is taken as counted and the larger as the total, so either reading gives counted ≤
total. With `progress = "counties"`, a state file's contests count counties instead
(`countiesParticipating`, `countiesReported`; kind `"counties"`).

**Turnout.** `totalVoters` → registered (`0`, registration not loaded, → unknown) and
`ballotsCast` → voters, from the file's turnout element. Voters are left unknown for a
contest with `voteFor` above 1, whose votes may exceed the ballots. Blank, null and valid
are not published per contest; the contest's own `Undervotes` and `Overvotes` vote types,
where present, are kept as `undervotes` and `overvotes` (per place too, with `breakdown`).

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
- `progress`: `"precincts"` (default) or `"counties"` (a state file's contests only).

Modules: `parser` (this one), `document` (the zip, the stream, attribute values),
`contests` (the turnout places and contests read), `races` (contests as races).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.formats.clarity.contests import PROGRESS, Document, read_document
from bot.formats.clarity.document import xml_of
from bot.formats.clarity.races import all_races
from bot.formats.errors import FeedError, unknown_option
from bot.formats.limits import DEFAULT_LIMITS, Limits
from bot.formats.slug import slug
from bot.models import Snapshot

FORMAT = "clarity-xml"
OPTIONS = ("election", "contests", "breakdown", "progress")


def check_options(options: Mapping[str, Any]) -> list[str]:
    """Return the errors of a clarity-xml source's options, each starting with its key."""
    errors = [
        unknown_option(key, OPTIONS)
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
    if options.get("progress", PROGRESS[0]) not in PROGRESS:
        errors.append(f"progress: expected one of {', '.join(PROGRESS)}")
    return errors


def parse(
    data: bytes,
    origin: str,
    options: Mapping[str, Any],
    fetched_at: datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> Snapshot:
    """Parse a Clarity detail.xml (or its zip) into a Snapshot, or raise FeedError.

    Its Timestamp is required: the fetch time is not used. A zip's detail.xml is unpacked to
    at most `limits.max_bytes`, the source's cap."""
    errors = check_options(options)
    if errors:
        raise FeedError(origin, "(options)", errors[0], "invalid clarity-xml options")
    contests = options.get("contests")
    wanted = frozenset(c.strip().casefold() for c in contests) if contests else None
    progress = options.get("progress", PROGRESS[0])
    doc = read_document(xml_of(data, origin, limits.max_bytes), origin, wanted, progress)
    if doc.stamp is None:
        raise FeedError(origin, "ElectionResult/Timestamp", None, "missing element")
    _check_wanted(doc, wanted, origin)
    races = all_races(doc, bool(options.get("breakdown", False)))
    election = options.get("election") or slug(doc.name or "") or "clarity"
    return Snapshot(
        election=election,
        updated_at=doc.stamp,
        races=races,
        election_name=doc.name,
        election_date=doc.day,
    )


def _check_wanted(doc: Document, wanted: frozenset[str] | None, origin: str) -> None:
    if wanted is None:
        return
    found = {n for c in doc.contests for n in (c.key.casefold(), c.text.casefold())}
    missing = sorted(wanted - found)
    if missing:
        raise FeedError(origin, "options.contests", missing, "no such contest in the file")
