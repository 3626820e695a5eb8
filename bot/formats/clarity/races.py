"""Clarity contests as races: one per contest, and per precinct or county with `breakdown`."""

from __future__ import annotations

from collections.abc import Iterator

from bot.formats.clarity.contests import Choice, Contest, Document, Place
from bot.formats.errors import FeedError
from bot.formats.slug import slug
from bot.models import Candidate, Race, Turnout, Units, with_computed_shares

MAX_RACES = 100_000
# Candidates over all races: a contest per precinct (`breakdown`) repeats its choices in
# each; a state's 254 counties × 100 contests × 5 choices is 127,000.
MAX_ENTRIES = 1_000_000


def all_races(doc: Document, breakdown: bool) -> tuple[Race, ...]:
    """Return the races of the file's contests, at most MAX_RACES holding MAX_ENTRIES
    candidates in all, or raise when none."""
    races: list[Race] = []
    entries = 0
    for race in _contest_races(doc, breakdown):
        entries += len(race.candidates)
        if len(races) == MAX_RACES or entries > MAX_ENTRIES:
            raise FeedError(
                doc.origin, "ElectionResult/Contest", race.id,
                f"more than {MAX_RACES} races or {MAX_ENTRIES} candidates in all",
            )  # fmt: skip
        races.append(race)
    if not races:
        raise FeedError(doc.origin, "ElectionResult/Contest", None, "no contest in the file")
    return tuple(races)


def _contest_races(doc: Document, breakdown: bool) -> Iterator[Race]:
    taken: set[str] = set()
    for contest in doc.contests:
        rid = slug(contest.text) or f"contest-{contest.key}"
        if rid in taken:
            rid = f"{rid}-{contest.key}"
        if rid in taken:
            where = _contest_path(contest)
            raise FeedError(doc.origin, f"{where}@key", contest.key, "two contests with this key")
        taken.add(rid)
        yield _race(contest, rid, contest.text, doc.level, doc.region, contest.units, doc.turnout)
        if breakdown:
            yield from _place_races(doc, contest, rid)


def _contest_path(contest: Contest) -> str:
    return f"Contest[key={contest.key}]" if contest.key else f"Contest[text={contest.text}]"


def _place_races(doc: Document, contest: Contest, rid: str) -> Iterator[Race]:
    level = "precinct" if doc.level == "county" else "county"
    for i, name in enumerate(contest.activity, start=1):
        place = doc.places.get(name, Place(registered=None, voters=None))
        active = contest.activity[name] > 0
        units = place.units or Units(counted=1 if active else 0, total=1, kind="precincts")
        votes = contest.by_place.get(name, {})
        choices = {
            cid: Choice(text=c.text, votes=votes.get(cid, 0), party=c.party)
            for cid, c in contest.choices.items()
        }
        part = Contest(
            key=contest.key,
            text=contest.text,
            vote_for=contest.vote_for,
            is_question=contest.is_question,
            units=units,
            choices=choices,
            extra=contest.extra_by_place.get(name, {}),
        )
        yield _race(
            part, f"{rid}/{slug(name) or i}", f"{contest.text} — {name}", level, name, units, place
        )


def _race(
    contest: Contest, rid: str, name: str, level: str, code: str | None, units: Units, at: Place
) -> Race:
    race = Race(
        id=rid,
        name=name,
        units=units,
        turnout=Turnout(
            registered=at.registered,
            voters=at.voters if contest.vote_for == 1 else None,
            undervotes=contest.extra.get("undervotes"),
            overvotes=contest.extra.get("overvotes"),
        ),
        candidates=tuple(
            Candidate(id=cid, name=c.text, votes=c.votes, party=c.party, votes_by_type=c.by_type)
            for cid, c in contest.choices.items()
        ),
        level=level,
        code=code,
        vote_for=contest.vote_for,
        is_question=contest.is_question,
    )
    return with_computed_shares(race)
