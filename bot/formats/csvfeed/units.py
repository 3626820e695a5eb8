"""Folding data records into races and their units (polling stations), and the data time."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from bot.formats.csvfeed.header import Plan
from bot.formats.csvfeed.options import BLOCK_FIELDS, JOINED, MAX_NAME, UNIT_FIELDS, Spec
from bot.formats.csvfeed.reading import Row
from bot.formats.errors import FeedError
from bot.formats.slug import slug

_FR_STAMP = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")


@dataclass(kw_only=True, slots=True)
class Entry:
    """A candidate's figures in one unit, or summed over a race."""

    id: str
    name: str
    votes: int | None = None
    share: float | None = None
    party: str | None = None


@dataclass(kw_only=True, slots=True)
class Unit:
    """A polling station (or a pre-aggregated row): counts, turnout and candidates."""

    line: int
    values: dict[str, Any]
    entries: dict[str, Entry] = field(default_factory=dict)

    @property
    def has_results(self) -> bool:
        """Return True when a candidate of the unit has votes or a share above zero."""
        return any((e.votes or 0) > 0 or (e.share or 0) > 0 for e in self.entries.values())


@dataclass(kw_only=True, slots=True)
class RaceRows:
    """The units of one race, in file order."""

    id: str
    code: str | None
    name: str
    line: int
    units: dict[str, Unit] = field(default_factory=dict)


class Builder:
    """Reads data records one by one into races."""

    def __init__(self, origin: str, spec: Spec, plan: Plan) -> None:
        self.origin, self.spec, self.plan = origin, spec, plan
        self.races: dict[str, RaceRows] = {}
        self.stamps: dict[str, datetime] = {}
        self.latest: datetime | None = None

    def add(self, row: Row) -> None:
        """Fold one record into its race and unit."""
        race = self._race(row)
        unit = self._unit(row, race)
        layout = self.spec.layout
        entries = (
            self._long(row)
            if layout == "long"
            else (self._wide(row) if layout == "wide" else self._blocks(row))
        )
        for col, entry in entries:
            if entry.id in unit.entries:
                hint = " (map columns.unit)" if self.spec.layout == "long" else ""
                raise row.fail(col, f"candidate {entry.id!r} twice in one unit{hint}")
            unit.entries[entry.id] = entry
        self._stamp(row)

    def _race(self, row: Row) -> RaceRows:
        col = self.plan.cols.get("race_id")
        code = self._text(row, "race_id") if col is not None else None
        if col is not None and not slug(code or ""):
            raise row.fail(col, "expected a race code")
        race_id = slug(code) if code is not None else (self.spec.race_id or "national")
        if race_id not in self.races:
            name = self._text(row, "race_name") if "race_name" in self.plan.cols else ""
            if not name and self.spec.race_name:
                name = self.spec.race_name.replace("{code}", code or race_id)
            self.races[race_id] = RaceRows(
                id=race_id, code=code, name=name or code or race_id, line=row.line
            )
        return self.races[race_id]

    def _unit(self, row: Row, race: RaceRows) -> Unit:
        values = {f: self._value(row, f) for f in UNIT_FIELDS if f in self.plan.cols}
        col = self.plan.cols.get("unit")
        key = row.text(col) if self.spec.layout == "long" else str(row.line)
        if col is not None and not key:
            raise row.fail(col, "expected a polling-station key")
        unit = race.units.get(key)
        if unit is None:
            if race.units and not self.spec.aggregate:
                column = self.plan.cols.get("unit", self.plan.cols.get("race_id"))
                reason = (
                    f'race {race.id!r} again (first at line {race.line}); set aggregate = "race"'
                )
                if column is None:
                    raise FeedError(self.origin, f"line {row.line}", race.id, reason)
                raise row.fail(column, reason)
            unit = race.units[key] = Unit(line=row.line, values=values)
            self._same_race_name(row, race)
            return unit
        for f, value in values.items():
            if value != unit.values[f]:
                raise row.fail(
                    self.plan.cols[f],
                    f"differs from line {unit.line} of the same unit ({unit.values[f]!r})",
                )
        return unit

    def _same_race_name(self, row: Row, race: RaceRows) -> None:
        col = self.plan.cols.get("race_name")
        first = next(iter(race.units.values()))
        if col is not None and first.values.get("race_name") != self._text(row, "race_name"):
            raise row.fail(col, f"differs from line {race.line} of the same race ({race.name!r})")

    def _value(self, row: Row, fld: str) -> Any:
        return self._text(row, fld) if fld == "race_name" else row.count(self.plan.cols[fld])

    def _text(self, row: Row, fld: str, shift: int = 0) -> str:
        """Return a mapped field's text, its columns' cells joined (`01` and `05`: `01-05`),
        in the candidate block `shift` columns on."""
        cells = [row.name(i + shift) for i in self.plan.parts[fld]]
        text = JOINED.get(fld, " ").join(c for c in cells if c)
        if len(text) > MAX_NAME:
            raise row.fail(self.plan.cols[fld] + shift, f"longer than {MAX_NAME} characters")
        return text

    def _long(self, row: Row) -> list[tuple[int, Entry]]:
        cols = self.plan.cols
        name = self._text(row, "candidate_name") if "candidate_name" in cols else ""
        ident = row.name(cols["candidate_id"]) if "candidate_id" in cols else ""
        where = cols.get("candidate_name", cols.get("candidate_id", 0))
        if not (name or ident):
            raise row.fail(where, "expected a candidate name")
        ident = ident or slug(name)
        if not ident:
            raise row.fail(where, "the name gives no usable id; map columns.candidate_id")
        votes, share = row.count(cols.get("votes")), row.share(cols.get("share"))
        party = row.name(cols["party"]) if "party" in cols else ""
        entry = Entry(id=ident, name=name or ident, votes=votes, share=share, party=party or None)
        return [(cols.get("candidate_id", where), entry)]

    def _blocks(self, row: Row) -> list[tuple[int, Entry]]:
        """Read each repeated candidate block of a row; empty blocks are padding."""
        assert self.plan.block is not None
        start, width = self.plan.block
        parts = self.plan.parts
        needed = max(i for f in BLOCK_FIELDS for i in parts.get(f, ())) - start + 1
        entries = []
        for shift in range(0, len(row.cells) - start, width):
            cells = row.cells[start + shift : start + shift + width]
            if not any(c.strip() for c in cells):
                continue
            if len(cells) < needed:
                at = start + shift + len(cells) - 1
                raise row.fail(at, f"truncated candidate block: {len(cells)} of {width} fields")
            entries.append(self._block_entry(row, shift))
        return entries

    def _block_entry(self, row: Row, shift: int) -> tuple[int, Entry]:
        cols = self.plan.cols

        def at(fld: str) -> int | None:
            return cols[fld] + shift if fld in cols else None

        name = self._text(row, "candidate_name", shift) if "candidate_name" in cols else ""
        ident, party = row.text(at("candidate_id")), row.text(at("party"))
        mapped = (at("candidate_id"), at("candidate_name"), at("votes"), at("share"))
        where = next(i for i in mapped if i is not None)
        if not (name or ident):
            raise row.fail(where, "a candidate block with no name")
        ident = ident or slug(name)
        if not ident:
            raise row.fail(where, "the name gives no usable id; map columns.candidate_id")
        if len(ident) > MAX_NAME or len(party) > MAX_NAME:
            raise row.fail(where, f"longer than {MAX_NAME} characters")
        votes, share = row.count(at("votes")), row.share(at("share"))
        entry = Entry(id=ident, name=name or ident, votes=votes, share=share, party=party or None)
        return where, entry

    def _wide(self, row: Row) -> list[tuple[int, Entry]]:
        entries = []
        for block in self.plan.blocks:
            votes, share = row.count(block.votes), row.share(block.share)
            name = block.name or " ".join(filter(None, (row.name(i) for i in block.names)))
            ident = row.name(block.ident) if block.ident is not None else ""
            if votes is None and share is None:
                continue  # padding, or a candidate not standing (or not yet counted) here
            if not block.name and block.names and not name:
                raise row.fail(block.names[0], "a candidate with figures but no name")
            where = block.first_column
            name = name or block.key
            ident = ident or slug(name)
            if not ident:
                raise row.fail(where, "no usable candidate id; map candidate_id")
            entry = Entry(id=ident, name=name[:MAX_NAME], votes=votes, share=share)
            entries.append((where, entry))
        return entries

    def _stamp(self, row: Row) -> None:
        col = self.plan.cols.get("updated_at")
        raw = row.text(col)
        if col is None or not raw:
            return
        stamp = self.stamps.get(raw)
        if stamp is None:
            stamp = self.stamps[raw] = _timestamp(row, col, raw, self.spec.tz)
        if self.latest is None or stamp > self.latest:
            self.latest = stamp


def _timestamp(row: Row, col: int, raw: str, tz: tzinfo | None) -> datetime:
    match = _FR_STAMP.fullmatch(raw)
    try:
        if match is None:
            stamp = datetime.fromisoformat(raw)
        else:
            day, month, year, hour, minute, second = (int(g or 0) for g in match.groups())
            stamp = datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        raise row.fail(col, "expected an ISO 8601 date-time with a UTC offset") from None
    if stamp.tzinfo is None:
        if tz is None:
            raise row.fail(col, "needs a UTC offset (or set the option timezone)")
        stamp = stamp.replace(tzinfo=tz)
    return stamp
