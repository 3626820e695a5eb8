"""Anomaly checks: does a race's arithmetic add up? Pure functions, no I/O.

Each check declares the figures it puts in doubt (`TAINTS`): the candidates' shares, the
turnout, or both. A race's figures in doubt are held back (`held_back`): the last good ones
stand in for them, and what the version says of its other figures is told as usual."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from bot.models import Candidate, Race, Turnout, replace
from bot.rules import Rules

SHARES, TURNOUT = "shares", "turnout"  # the figures a check may put in doubt

Finding = tuple[str, tuple[tuple[str, float], ...]]
Check = Callable[[Race | None, Race, Rules], Iterator[Finding]]


def _votes_vs_valid(_: Race | None, race: Race, __: Rules) -> Iterator[Finding]:
    cast, valid = race.votes_cast, race.turnout.valid
    if cast is not None and valid is not None and cast != valid:
        yield "votes_vs_valid", (("votes", cast), ("valid", valid))


def _votes_vs_voters(_: Race | None, race: Race, __: Rules) -> Iterator[Finding]:
    cast, voters = race.votes_cast, race.turnout.voters
    if cast is not None and voters is not None and cast > voters:
        yield "votes_vs_voters", (("votes", cast), ("voters", voters))


def _voters_vs_registered(_: Race | None, race: Race, __: Rules) -> Iterator[Finding]:
    t = race.turnout
    if t.voters is not None and t.registered is not None and t.voters > t.registered:
        yield "voters_vs_registered", (("voters", t.voters), ("registered", t.registered))


def _ballots(_: Race | None, race: Race, __: Rules) -> Iterator[Finding]:
    t = race.turnout
    if t.valid is None or t.blank is None or t.null is None or t.voters is None:
        return
    ballots = t.valid + t.blank + t.null
    if ballots != t.voters:
        yield "ballots_vs_voters", (("ballots", ballots), ("voters", t.voters))


def _published_shares(_: Race | None, race: Race, rules: Rules) -> Iterator[Finding]:
    for c in race.candidates:
        if c.votes is None or c.published_share is None or c.share is None:
            continue
        if abs(c.published_share - c.share) > rules.share_tolerance + 1e-9:
            yield (
                f"published_share:{c.id}",
                (
                    ("published", c.published_share),
                    ("computed", round(c.share, 2)),
                ),
            )


def _vote_types(_: Race | None, race: Race, __: Rules) -> Iterator[Finding]:
    """A choice's total differs from the sum of its vote types (Clarity: Election Day,
    Early, Absentee...): one of the two figures is wrong, and nothing says which."""
    for c in race.candidates:
        if c.votes is not None and c.votes_by_type is not None and c.votes != c.votes_by_type:
            yield f"vote_types:{c.id}", (("votes", c.votes), ("by_type", c.votes_by_type))


def _partial_votes(_: Race | None, race: Race, __: Rules) -> Iterator[Finding]:
    with_votes = sum(1 for c in race.candidates if c.votes is not None)
    if 0 < with_votes < len(race.candidates):
        yield (
            "partial_votes",
            (("with", with_votes), ("without", len(race.candidates) - with_votes)),
        )


def _share_sum(_: Race | None, race: Race, __: Rules) -> Iterator[Finding]:
    shares = [c.published_share for c in race.candidates if c.votes is None]
    if not shares or len(shares) != len(race.candidates) or any(s is None for s in shares):
        return
    total = sum(s for s in shares if s is not None)
    # Each share is rounded to 2 dp, so honest rounding moves the sum by at most n × 0.005.
    if abs(total - 100.0) > 0.005 * len(shares) + 1e-9:
        yield "share_sum", (("sum", round(total, 2)),)


def _republication(before: Race | None, race: Race, rules: Rules) -> Iterator[Finding]:
    if before is None or len(race.candidates) < 2:
        return
    old, new = _comparable_totals(before, race)
    if not old or not new or 100.0 * (new - old) / old < rules.republication_growth:
        return
    for c in race.candidates:
        b = before.candidate(c.id)
        if b is None or b.share is None or c.share is None:
            return
        if abs(b.share - c.share) >= rules.republication_share_epsilon:
            return
    yield "republication", (("before", old), ("after", new))


def _comparable_totals(before: Race, race: Race) -> tuple[int | None, int | None]:
    """Return the same total from both versions: votes cast if both have them, else voters."""
    if before.votes_cast is not None and race.votes_cast is not None:
        return before.votes_cast, race.votes_cast
    return before.turnout.voters, race.turnout.voters


CHECKS: tuple[Check, ...] = (
    _votes_vs_valid,
    _votes_vs_voters,
    _voters_vs_registered,
    _ballots,
    _published_shares,
    _vote_types,
    _partial_votes,
    _share_sum,
    _republication,
)


# What each check puts in doubt, by its name (before any ":candidate"): shares that add up
# to 100.1 % or differ from the votes, the shares; voters above registered or ballots that
# are not the voters, the turnout; votes above the voters and a republication (totals up,
# every share frozen), both.
TAINTS: dict[str, tuple[str, ...]] = {
    "votes_vs_valid": (SHARES,),
    "votes_vs_voters": (SHARES, TURNOUT),
    "voters_vs_registered": (TURNOUT,),
    "ballots_vs_voters": (TURNOUT,),
    "published_share": (SHARES,),
    "vote_types": (SHARES,),
    "partial_votes": (SHARES,),
    "share_sum": (SHARES,),
    "republication": (SHARES, TURNOUT),
}


def taints(check: str) -> tuple[str, ...]:
    """Return the figures a check's finding puts in doubt (both, for a check not listed)."""
    return TAINTS.get(check.partition(":")[0], (SHARES, TURNOUT))


def find_anomalies(before: Race | None, race: Race, rules: Rules) -> list[Finding]:
    """Return every check that fails for this race, as (check, detail) pairs."""
    return [finding for check in CHECKS for finding in check(before, race, rules)]


def held_back(before: Race | None, race: Race, doubts: Iterable[str]) -> Race:
    """Return the race with its figures in doubt replaced by the last good ones (`before`,
    else none: candidates without votes or shares, an empty turnout), and named in
    `doubts`. Its progress and other figures are the version's own."""
    doubted = tuple(sorted(set(doubts)))
    if not doubted:
        return race
    held = replace(race, doubts=doubted)
    if SHARES in doubted:
        last = {c.id: c for c in before.candidates} if before is not None else {}
        held = replace(held, candidates=tuple(_held_candidate(c, last) for c in race.candidates))
    if TURNOUT in doubted:
        held = replace(held, turnout=before.turnout if before is not None else Turnout())
    return held


def _held_candidate(c: Candidate, last: dict[str, Candidate]) -> Candidate:
    old = last.get(c.id)
    if old is not None:
        return old
    return Candidate(id=c.id, name=c.name, party=c.party)
