"""Domain models: what one version of a results feed says, as frozen, typed records."""

from __future__ import annotations

from datetime import date, datetime

import msgspec
from msgspec.structs import replace as replace  # a copy with fields changed, for the models

# Records of a version, msgspec structs rather than dataclasses: frozen and keyword-only as
# well, and not tracked by the cyclic garbage collector (gc=False: they hold no cycles). A
# 35,000-commune snapshot is 500,000 of them; tracked, every full collection walked them
# all, 0.2-0.6 s with the GIL held, and a command waited behind it (issue 18, P6).


class Units(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The progress of a race: units counted out of the total, and what a unit is.

    `kind` is part of the progress: "stations" (polling stations, bureaux), "precincts",
    "counties" (a state's counties reporting, Clarity's `progress = "counties"`),
    "communes" (communes whose results came in), "percent" (of polling stations, counted in
    ten-thousandths of 10,000) or "none": no progress of its own to tell, either unknown (a
    totals file: counted 0, total None) or a single place that is in or not (0 or 1 of 1, a
    commune). Messages speak in it; a figure of one kind never corrects another."""

    counted: int
    total: int | None = None
    kind: str = "stations"

    @property
    def pct(self) -> float | None:
        """Return the share of units counted, in percent, or None if the total is unknown."""
        if not self.total:
            return None
        return 100.0 * self.counted / self.total


class Turnout(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Ballot counts of a race; any of them may be unpublished (None)."""

    registered: int | None = None
    voters: int | None = None
    blank: int | None = None
    null: int | None = None
    valid: int | None = None
    # Clarity's contest-level Undervotes / Overvotes: choices left unmarked, or marked too
    # many, in this contest (a ballot can be both blank here and counted elsewhere).
    undervotes: int | None = None
    overvotes: int | None = None

    @property
    def participation(self) -> float | None:
        """Return voters as a percentage of registered voters, when both are known."""
        if self.voters is None or not self.registered:
            return None
        return 100.0 * self.voters / self.registered


class Candidate(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A candidate's figures. `share` is computed from votes when votes exist."""

    id: str
    name: str
    votes: int | None = None
    published_share: float | None = None
    share: float | None = None
    party: str | None = None  # the feed's label (nuance, party), shown where names collide
    votes_by_type: int | None = None  # the sum of the feed's vote types (Clarity), if any


class PreviousRound(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The previous round's figures for this race: for the same places as those counted
    now (`same_places`: a commune, or the communes received summed), or for the whole race
    (its own total, which a partial count is compared with pro rata). `shares` are each
    candidate's share then, by candidate id, for the same places only."""

    voters: int | None = None
    registered: int | None = None
    same_places: bool = True
    shares: tuple[tuple[str, float], ...] = ()


class Race(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One contest at one place: its progress, turnout and candidates."""

    id: str
    name: str
    final: bool = False
    units: Units
    turnout: Turnout = msgspec.field(default_factory=Turnout)
    candidates: tuple[Candidate, ...] = ()
    level: str = "national"
    code: str | None = None
    vote_for: int = 1  # seats or choices elected: the top `vote_for` are in
    is_question: bool = False  # a measure (Yes/No): its choices are answers, not candidates
    # False when the feed gives no time for these figures (a Ministry results file without
    # its index): the time they carry is when they were received, and is said so.
    dated: bool = True
    # True when the figures are the sum of the places below (a département's communes), not
    # published for the place itself: its own file, when followed, is its truth (bot.levels).
    summed: bool = False
    previous: PreviousRound | None = None  # the previous round, where the feed gives it
    # Figures of the newest version that a check put in doubt ("shares", "turnout"): they
    # are held back, these being the last good ones (bot.checks.held_back).
    doubts: tuple[str, ...] = ()

    @property
    def has_results(self) -> bool:
        """Return True when any candidate has votes or a share to show."""
        return any(
            (c.votes or 0) > 0 or (c.votes is None and c.published_share is not None)
            for c in self.candidates
        )

    @property
    def votes_cast(self) -> int | None:
        """Return the sum of candidate votes, or None when no candidate has votes."""
        if all(c.votes is None for c in self.candidates):
            return None
        return sum(c.votes or 0 for c in self.candidates)

    def standings(self) -> tuple[Candidate, ...]:
        """Return candidates ordered by share, highest first (ties keep feed order)."""
        return tuple(sorted(self.candidates, key=lambda c: -(c.share or 0.0)))

    def leader(self) -> Candidate | None:
        """Return the sole leader, or None when nobody has a share or the top is tied."""
        ranked = [c for c in self.standings() if c.share is not None]
        if not ranked or (len(ranked) > 1 and ranked[0].share == ranked[1].share):
            return None
        return ranked[0]

    def candidate(self, candidate_id: str) -> Candidate | None:
        """Return the candidate with this id, if present."""
        return next((c for c in self.candidates if c.id == candidate_id), None)


class Snapshot(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One version of a feed: an election at a data time, with one or more races."""

    election: str
    updated_at: datetime
    races: tuple[Race, ...]
    election_name: str | None = None  # as the feed names it ("2014 General Election")
    election_date: date | None = None  # election day, as the feed gives it

    def race(self, race_id: str) -> Race | None:
        """Return the race with this id, if present."""
        return next((r for r in self.races if r.id == race_id), None)


def with_computed_shares(race: Race) -> Race:
    """Return the race with each candidate's share computed from votes where votes exist."""
    cast = race.votes_cast
    # Built directly: dataclasses.replace per candidate was a fifth of a big file's parse.
    cands = tuple(
        Candidate(
            id=c.id,
            name=c.name,
            votes=c.votes,
            votes_by_type=c.votes_by_type,
            published_share=c.published_share,
            share=c.published_share if cast is None else _share(c.votes, cast),
            party=c.party,
        )
        for c in race.candidates
    )
    return replace(race, candidates=cands)


def _share(votes: int | None, cast: int) -> float | None:
    return 100.0 * (votes or 0) / cast if cast else None
