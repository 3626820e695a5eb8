"""The 53 values clarify's own tests assert on its two fixtures, read back by Soirée.

openelections/clarify's `tests/test_parser.py` asserts 24 distinct values on `precinct.xml`
(Greenup County, Kentucky, 2014 primary, by precinct) and 29 on `county.xml` (Arkansas 2014
general, by county). This script parses the same two files with Soirée's `clarity-xml`
parser (`breakdown = true`, so that each precinct or county is a race) and says, for each
value, what Soirée gives: `same`, `differs`, or `not kept` (a field Soirée has no place
for). It reads the files where they lie and copies nothing; run it by hand:

    python -m bench.clarify_values [--dir ../shared/real-feeds/clarity]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bot.formats.clarity import parse
from bot.models import Race, Snapshot

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "real-feeds" / "clarity"
FETCHED = datetime(2000, 1, 1, tzinfo=UTC)  # unused: a Clarity file has its own time
NOT_KEPT = object()


@dataclass(frozen=True, slots=True)
class Value:
    """One value clarify asserts, and how Soirée answers it."""

    what: str  # clarify's name for it
    expected: object
    read: Callable[[Snapshot], object]  # Soirée's answer, or NOT_KEPT
    how: str  # where Soirée holds it


def _contest(snap: Snapshot) -> Race:
    return next(r for r in snap.races if "/" not in r.id)


def _place(snap: Snapshot, code: str) -> Race:
    return next(r for r in snap.races if "/" in r.id and r.code == code)


def _places(snap: Snapshot) -> list[Race]:
    return [r for r in snap.races if "/" in r.id]


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _attr(record: object, name: str) -> object:
    return getattr(record, name, NOT_KEPT)


def _figures(race: Race) -> int:
    """Count the figures a race holds as clarify counts its results: one per choice, one
    per undervote and overvote total published."""
    t = race.turnout
    extra = sum(getattr(t, name, None) is not None for name in ("undervotes", "overvotes"))
    return len(race.candidates) + extra


def _units(kind: str, part: str) -> Callable[[Snapshot], object]:
    """Read the contest's progress in this unit, from the snapshot parsed for that unit."""

    def read(snap: Snapshot) -> object:
        units = _contest(snap).units
        if units.kind != kind and kind != "precincts":
            return NOT_KEPT
        return units.total if part == "total" else units.counted

    return read


def _at(*parts: int) -> datetime:
    """Return a time as clarify asserts it (local, the file's zone: EDT, CST) made aware."""
    *when, hours = parts
    return datetime(*when, tzinfo=timezone(timedelta(hours=hours)))


def _common(name: str, day: date, stamp: datetime) -> list[Value]:
    return [
        Value("timestamp", stamp, lambda s: s.updated_at, "updated_at"),
        Value("election_name", name, lambda s: _attr(s, "election_name"), "election_name"),
        Value("election_date", day, lambda s: _attr(s, "election_date"), "election_date"),
    ]


def _turnout(registered: int, voters: int, pct: float, at: str | None = None) -> list[Value]:
    def race(snap: Snapshot) -> Race:
        return _contest(snap) if at is None else _place(snap, at)

    return [
        Value("total_voters", registered, lambda s: race(s).turnout.registered, "registered"),
        Value("ballots_cast", voters, lambda s: race(s).turnout.voters, "voters"),
        Value("voter_turnout", pct, lambda s: _pct(race(s).turnout.participation), "participation"),
    ]


def _contest_values(text: str, key: str) -> list[Value]:
    return [
        Value("contest.text", text, lambda s: _contest(s).name, "race.name"),
        Value("contest.key", key, lambda _: NOT_KEPT, "race.id is the text slugged"),
        Value("contest.vote_for", 1, lambda s: _attr(_contest(s), "vote_for"), "race.vote_for"),
        Value(
            "contest.is_question",
            False,
            lambda s: _attr(_contest(s), "is_question"),
            "race.is_question",
        ),
    ]


def _choice_values(text: str, key: str, votes: int) -> list[Value]:
    return [
        Value("choice.text", text, lambda s: _contest(s).candidates[0].name, "candidate.name"),
        Value("choice.key", key, lambda _: NOT_KEPT, "candidate.id is the text slugged"),
        Value("choice.total_votes", votes, lambda s: _contest(s).candidates[0].votes, "votes"),
    ]


def precinct_values() -> list[Value]:
    """Return the 24 values clarify asserts on precinct.xml."""
    a105 = "A105"
    return [
        *_common("2014 Primary Election", date(2014, 5, 20), _at(2014, 5, 20, 20, 19, 21, -4)),
        Value("region", "Greenup", lambda s: _contest(s).code, "race.code"),
        *_turnout(28162, 5926, 21.04),
        Value("len(result_jurisdictions)", 33, lambda s: len(_places(s)), "races per precinct"),
        *[_with_place(v, a105) for v in _turnout(0, 171, 0, a105)],
        Value(
            f"{a105}.percent_reporting",
            4,
            lambda s: _place(s, a105).units.pct,
            "precinct race's units (1 of 1 once it has votes)",
        ),
        Value("len(contests)", 1, lambda s: len(s.races) - len(_places(s)), "races per contest"),
        Value("len(results)", 238, lambda s: sum(_figures(r) for r in s.races), "figures held"),
        Value(f"{a105}.name", a105, lambda s: _place(s, a105).code, "precinct race's code"),
        *_contest_values("US Senator - REPUBLICAN", "4"),
        Value("contest.precincts_reporting", 32, _units("precincts", "total"), "units.total"),
        Value("contest.precincts_reported", 32, _units("precincts", "counted"), "units.counted"),
        *_choice_values("Matt BEVIN", "1", 820),
    ]


def county_values() -> list[Value]:
    """Return the 29 values clarify asserts on county.xml."""
    ark = "Arkansas"
    return [
        *_common("2014 General Election", date(2014, 11, 4), _at(2014, 11, 13, 14, 58, 41, -6)),
        Value("region", "AR", lambda s: _contest(s).code, "race.code"),
        *_turnout(1690577, 850615, 50.32),
        Value("len(result_jurisdictions)", 75, lambda s: len(_places(s)), "races per county"),
        *[_with_place(v, ark) for v in _turnout(10196, 5137, 50.38, ark)],
        Value(f"{ark}.precincts_participating", 30, lambda s: _place(s, ark).units.total, "units"),
        Value(
            f"{ark}.precincts_reporting_percent",
            100.0,
            lambda s: _place(s, ark).units.pct,
            "units.pct",
        ),
        Value(f"{ark}.precincts_reported", 30, lambda s: _place(s, ark).units.counted, "units"),
        Value("len(contests)", 1, lambda s: len(s.races) - len(_places(s)), "races per contest"),
        Value(
            "len(results)",
            304,
            lambda _: NOT_KEPT,
            "votes per choice, not per vote type and county",
        ),
        Value(f"{ark}.name", ark, lambda s: _place(s, ark).code, "county race's code"),
        *_contest_values("U.S. Senate", "100"),
        Value("contest.counties_participating", 75, _units("counties", "total"), "units"),
        Value("contest.counties_reported", 75, _units("counties", "counted"), "units"),
        Value("contest.precincts_participating", 2655, _units("precincts", "total"), "units"),
        Value("contest.precincts_reported", 2655, _units("precincts", "counted"), "units"),
        Value("choice.text", "Tom Cotton", lambda s: _contest(s).candidates[0].name, "name"),
        Value("choice.key", "001", lambda _: NOT_KEPT, "candidate.id is the text slugged"),
        Value("choice.party", "REP", lambda s: _attr(_contest(s).candidates[0], "party"), "party"),
        Value("choice.total_votes", 477734, lambda s: _contest(s).candidates[0].votes, "votes"),
    ]


def _with_place(value: Value, place: str) -> Value:
    return Value(f"{place}.{value.what}", value.expected, value.read, value.how)


def _parse(path: Path, **options: Any) -> Snapshot | None:
    try:
        return parse(path.read_bytes(), path.name, {"breakdown": True, **options}, FETCHED)
    except Exception:  # an option this version of Soirée does not know
        return None


def check(path: Path, values: list[Value], by_counties: Snapshot | None) -> list[tuple[str, ...]]:
    """Return one row per value: file, what, expected, Soirée's, verdict."""
    snap = _parse(path)
    assert snap is not None, f"{path} does not parse"
    rows = []
    for value in values:
        source = by_counties if value.what.startswith("contest.counties") else snap
        got = NOT_KEPT if source is None else value.read(source)
        if got is NOT_KEPT:
            verdict, shown = "not kept", f"({value.how})"
        else:
            verdict = "same" if got == value.expected else "differs"
            shown = _show(got)
        rows.append((path.name, value.what, _show(value.expected), shown, verdict))
    return rows


def _show(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else repr(value)


def main() -> None:
    """Check the 53 values and print a table and the count of each verdict."""
    cli = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    cli.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = cli.parse_args()
    county = args.dir / "county.xml"
    rows = check(args.dir / "precinct.xml", precinct_values(), None)
    rows += check(county, county_values(), _parse(county, progress="counties"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    verdicts = [r[-1] for r in rows]
    counts = ", ".join(f"{verdicts.count(v)} {v}" for v in ("same", "differs", "not kept"))
    print(f"\n{len(rows)} values: {counts}")


if __name__ == "__main__":
    main()
