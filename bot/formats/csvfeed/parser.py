r"""CSV results feeds (`format = "csv"`): a published sheet, a party's table, a data.gouv file.

Pure: bytes in, Snapshot out, or FeedError naming the file, the line, the column and the
value. Separators `;`, `,` or tab (sniffed from the header line); UTF-8 with or without BOM,
else cp1252, else latin-1; quoted or unquoted fields; an unnamed leading index column is
ignored. Numbers may carry spaces (`1 024`), decimal commas and a `%` (`"47,70 %"`,
`"60,00%"`). Shares are always recomputed from the votes; a published percentage is only
kept as `published_share`, the cross-check.

Options, from the source's `[sources.options]` table; every key is optional:

- `layout`: `"long"` (default), one row per candidate; or `"wide"`, one row per place
  (bureau, commune, circonscription) with the candidates in columns.
- `election`: the election id of the snapshots (default: the file name, slugged).
- `delimiter`: `";"`, `","`, `"\t"` or `"tab"` (default: sniffed from the header line).
- `encoding`: `"utf-8"`, `"cp1252"` or `"latin-1"` (default: detected as above).
- `race_id`: a constant race id; every row belongs to that one race. When neither it nor
  `columns.race_id` is given, the race is `"national"`.
- `race_name`: a constant race name; `{code}` in it is replaced by the row's race code.
  Default: the `columns.race_name` cell, else the race code.
- `level`: the level of the races (default `"national"`).
- `aggregate`: `"race"` sums every row (every unit, in the long layout) of a race: bureau
  rows become one race per `race_id` value, or one national race with a constant
  `race_id`. `"none"` rejects a race met in a second row or unit. Default: `"race"` with a
  constant race id, else `"none"`.
- `timezone`: IANA zone of `updated_at` cells written without a UTC offset
  (`"Europe/Paris"`); without it such cells are rejected.

`[sources.options.columns]` maps fields to header names (matched ignoring case and
surrounding spaces); a mapped column missing from the header rejects the file:

- `race_id`, `race_name`: the race's code (the id is its slug; the cell is kept as the
  race's code, `"079"` stays a string) and its name.
- `unit` (long layout only): the polling station of the row, so that the candidate rows of
  one bureau form one unit.
- `units_counted`, `units_total`: stations counted and in total.
- `registered`, `voters`, `blank`, `null`, `valid`: turnout counts.
- `candidate_id`, `candidate_name`, `votes`, `share` (long layout only): the row's candidate;
  the id defaults to the name, slugged. `votes` or `share` is needed.
- `updated_at`: the data time, ISO 8601 with an offset or `DD/MM/YYYY HH:MM[:SS]`; the latest
  cell wins; empty cells are skipped. Without it (or with every cell empty) the snapshot
  takes the fetch time the caller passes (`fetched_at`).

In the long layout, `columns` defaults to the recommended contract (`updated_at`,
`scope_code` → race_id, `scope` → race_name, `bureaux_total`, `bureaux_reported`,
`inscrits`, `votants`, `blancs`, `nuls`, `exprimes`, `candidate_id`, `candidate_name`,
`voix`); a `columns` table given replaces that default as a whole.

Wide-layout candidates are found by regular expressions searched in each header name:

- `candidate_votes`: e.g. `'^(?P<name>.+) - votes$'`, one candidate per matching column,
  named by the group `name`; or `'^Voix (?P<key>\d+)$'` for numbered blocks whose candidate
  is named in the cells.
- `candidate_share`: the published percentage, e.g. `'^(?P<name>.+) - pourcentage$'`; its
  `name` or `key` pairs it with a votes column.
- `candidate_name` (blocks): a pattern, or a list of patterns whose cells are joined with a
  space, e.g. `['^Prénom candidat (?P<key>\d+)$', '^Nom candidat (?P<key>\d+)$']`.
- `candidate_id` (blocks): e.g. `'^Numéro de panneau (?P<key>\d+)$'`.

Write patterns as TOML literal strings (single quotes), where `\d` needs no escaping.

In a wide row, a candidate whose votes and share cells are both empty is skipped (block
padding, a candidate not standing in that race, a bureau not yet counted); figures with no
name are an error.

Counting: a unit (a wide row, or the rows of one long-layout unit) has results when a
candidate has votes or a share above zero. Unless `units_counted` is mapped, a race's
stations counted are its units with results, its total the number of its units (or the
sum of `units_total`), and its turnout and votes sum the units with results only (a
bureau not yet counted adds nothing).
When `units_counted` is mapped, the rows are the feed's own aggregates and every row adds.
A published share survives only when one unit makes up the race.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.formats import numbers
from bot.formats.errors import FeedError
from bot.formats.numbers import NumberError
from bot.formats.slug import slug
from bot.models import Candidate, Race, Snapshot, Turnout, Units, with_computed_shares

FORMAT = "csv"
MAX_ROWS = 1_000_000
MAX_CELL = 1_000
MAX_COLUMNS = 10_000
MAX_CANDIDATES = 1_000
MAX_NAME = 200
MAX_COUNT = 10**12

TURNOUT = ("registered", "voters", "blank", "null", "valid")
UNIT_COUNTS = ("units_counted", "units_total")
UNIT_FIELDS = ("race_name", *UNIT_COUNTS, *TURNOUT)
LONG_ONLY = ("unit", "candidate_id", "candidate_name", "votes", "share")
FIELDS = ("race_id", "race_name", "unit", *UNIT_COUNTS, *TURNOUT, *LONG_ONLY[1:], "updated_at")
PATTERNS = ("candidate_votes", "candidate_share", "candidate_name", "candidate_id")
TEXT_OPTIONS = ("election", "race_id", "race_name", "level")
OPTIONS = (
    "layout",
    *TEXT_OPTIONS,
    "delimiter",
    "encoding",
    "aggregate",
    "timezone",
    "columns",
    *PATTERNS,
)
DELIMITERS = {";": ";", ",": ",", "\t": "\t", "tab": "\t"}
SNIFFED = (";", "\t", ",")
ENCODINGS = {
    "utf-8": "utf-8-sig",
    "utf-8-sig": "utf-8-sig",
    "cp1252": "cp1252",
    "iso8859-1": "latin-1",
    "iso8859-15": "iso8859-15",
}
DEFAULT_COLUMNS = {
    "updated_at": "updated_at",
    "race_id": "scope_code",
    "race_name": "scope",
    "units_total": "bureaux_total",
    "units_counted": "bureaux_reported",
    "registered": "inscrits",
    "voters": "votants",
    "blank": "blancs",
    "null": "nuls",
    "valid": "exprimes",
    "candidate_id": "candidate_id",
    "candidate_name": "candidate_name",
    "votes": "voix",
}
NEWLINE = b"\n"
_FR_STAMP = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")


# --- options ------------------------------------------------------------------------------


def check_options(options: Mapping[str, Any]) -> list[str]:
    """Return the errors of a csv source's options, each starting with the option's key."""
    errors = [
        f"{key}: unknown option (expected one of {', '.join(OPTIONS)})"
        for key in options
        if key not in OPTIONS and not key.startswith("_")
    ]
    errors += _check_scalars(options)
    layout = options.get("layout", "long")
    columns = options.get("columns", {})
    if not isinstance(columns, Mapping):
        return [*errors, "columns: expected a table of field = column name"]
    errors += _check_columns(columns, layout)
    if "race_id" in options and "race_id" in columns:
        errors.append("race_id: give either race_id or columns.race_id, not both")
    errors += _check_long(options, columns) if layout == "long" else _check_wide(options)
    return errors


def _check_scalars(options: Mapping[str, Any]) -> list[str]:
    errors = []
    choices = {"layout": ("long", "wide"), "aggregate": ("race", "none")}
    for key, allowed in choices.items():
        if key in options and str(options[key]) not in allowed:
            errors.append(f"{key}: expected {' or '.join(repr(a) for a in allowed)}")
    for key in TEXT_OPTIONS:
        value = options.get(key, "x")
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME:
            errors.append(f"{key}: expected a non-empty string of at most {MAX_NAME} characters")
    if "delimiter" in options and str(options["delimiter"]) not in DELIMITERS:
        errors.append("delimiter: expected ';', ',', '\\t' or 'tab'")
    if "encoding" in options and _encoding(options["encoding"]) is None:
        errors.append("encoding: expected 'utf-8', 'cp1252' or 'latin-1'")
    if "timezone" in options and _zone(options["timezone"]) is None:
        errors.append("timezone: expected an IANA time zone such as 'Europe/Paris'")
    return errors


def _check_columns(columns: Mapping[str, Any], layout: Any) -> list[str]:
    errors = []
    for key, value in columns.items():
        if key not in FIELDS:
            errors.append(f"columns.{key}: unknown field (expected one of {', '.join(FIELDS)})")
        elif not isinstance(value, str) or not value.strip():
            errors.append(f"columns.{key}: expected a column name")
        elif layout == "wide" and key in LONG_ONLY:
            errors.append(f'columns.{key}: only with layout = "long" (see candidate_votes)')
    return errors


def _check_long(options: Mapping[str, Any], columns: Mapping[str, Any]) -> list[str]:
    errors = [f'{key}: only with layout = "wide"' for key in PATTERNS if key in options]
    if "columns" not in options:
        return errors
    if "candidate_name" not in columns and "candidate_id" not in columns:
        errors.append("columns.candidate_name: expected a column name (or columns.candidate_id)")
    if "votes" not in columns and "share" not in columns:
        errors.append("columns.votes: expected a column name (or columns.share)")
    return errors


def _check_wide(options: Mapping[str, Any]) -> list[str]:
    if "candidate_votes" not in options and "candidate_share" not in options:
        return ['candidate_votes: expected a pattern such as "^(?P<name>.+) - votes$"']
    errors = []
    for key in PATTERNS:
        value = options.get(key)
        if value is None:
            continue
        many = key == "candidate_name" and isinstance(value, list)
        items = value if many else [value]
        for i, item in enumerate(items):
            where = f"{key}[{i}]" if many else key
            errors += _check_pattern(where, item, needs_key=key in PATTERNS[2:])
    return errors


def _check_pattern(where: str, value: Any, *, needs_key: bool) -> list[str]:
    if not isinstance(value, str) or not value:
        return [f"{where}: expected a regular expression"]
    try:
        groups = re.compile(value).groupindex
    except re.error as exc:
        return [f"{where}: not a valid regular expression ({exc})"]
    if needs_key and "key" not in groups:
        return [f"{where}: the pattern needs a group (?P<key>…) naming the candidate's block"]
    if "name" not in groups and "key" not in groups:
        return [f"{where}: the pattern needs a group (?P<name>…) or (?P<key>…)"]
    return []


def _encoding(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return ENCODINGS.get(codecs.lookup(value).name)
    except LookupError:
        return None


def _zone(value: Any) -> tzinfo | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True, kw_only=True, slots=True)
class _Spec:
    """Checked options, resolved."""

    layout: str
    election: str | None
    delimiter: str | None
    encoding: str | None
    aggregate: bool
    race_id: str | None
    race_name: str | None
    level: str
    tz: tzinfo | None
    columns: Mapping[str, str]
    patterns: Mapping[str, tuple[re.Pattern[str], ...]]


def _spec(options: Mapping[str, Any]) -> _Spec:
    layout = options.get("layout", "long")
    columns = dict(options.get("columns", DEFAULT_COLUMNS if layout == "long" else {}))
    if "race_id" in options and "columns" not in options:
        columns.pop("race_id", None)
        columns.pop("race_name", None)
    race_id = options.get("race_id")
    if race_id is None and "race_id" not in columns:
        race_id = "national"
    patterns: dict[str, tuple[re.Pattern[str], ...]] = {}
    for key in PATTERNS:
        value = options.get(key)
        if value is not None:
            items = value if isinstance(value, list) else [value]
            patterns[key] = tuple(re.compile(p) for p in items)
    delimiter = options.get("delimiter")
    return _Spec(
        layout=layout,
        election=options.get("election"),
        delimiter=DELIMITERS[delimiter] if delimiter is not None else None,
        encoding=_encoding(options["encoding"]) if "encoding" in options else None,
        aggregate=options.get("aggregate", "race" if race_id is not None else "none") == "race",
        race_id=race_id,
        race_name=options.get("race_name"),
        level=options.get("level", "national"),
        tz=_zone(options.get("timezone")),
        columns={k: v.strip() for k, v in columns.items()},
        patterns=patterns,
    )


# --- decoding and reading ------------------------------------------------------------------


def _decode(data: bytes, origin: str, encoding: str | None) -> str:
    nul = data.find(b"\x00")
    if nul >= 0:
        raise FeedError(origin, _line_of(data, nul), data[nul : nul + 8], "binary or UTF-16 data")
    for codec in (encoding,) if encoding else ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError as exc:
            if encoding:
                bad = data[exc.start : exc.start + 8]
                reason = f"not {encoding.removesuffix('-sig')}"
                raise FeedError(origin, _line_of(data, exc.start), bad, reason) from exc
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _line_of(data: bytes, offset: int) -> str:
    return f"line {data.count(NEWLINE, 0, offset) + 1}"


def _sniff(text: str, origin: str) -> str:
    first = re.split(r"\r\n?|\n", text.lstrip("\r\n"), maxsplit=1)[0]
    widths = {d: _width(first, d) for d in SNIFFED}
    best = max(SNIFFED, key=lambda d: widths[d])
    if widths[best] < 2:
        raise FeedError(origin, "line 1", first, "no separator found (';', ',' or tab)")
    return best


def _width(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:
        return 0


def _records(text: str, origin: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FeedError(origin, f"line {reader.line_num}", str(exc), "malformed CSV") from exc
        if any(cell.strip() for cell in row):
            yield reader.line_num, row


# --- the header: which column holds what ---------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class _Block:
    """The columns of one wide-layout candidate."""

    key: str
    name: str | None = None
    votes: int | None = None
    share: int | None = None
    names: tuple[int, ...] = ()
    ident: int | None = None

    @property
    def first_column(self) -> int:
        """Return the column that names this candidate in errors."""
        return next(i for i in (self.ident, *self.names, self.votes, self.share) if i is not None)


@dataclass(frozen=True, kw_only=True, slots=True)
class _Plan:
    """Column indices of the mapped fields, and the candidate blocks of the wide layout."""

    header: tuple[str, ...]
    cols: Mapping[str, int]
    blocks: tuple[_Block, ...]


def _plan(header: list[str], spec: _Spec, origin: str) -> _Plan:
    names = tuple(h.strip().lstrip("\ufeff").strip() for h in header)
    if len(names) > MAX_COLUMNS:
        raise FeedError(origin, "line 1", f"{len(names)} columns", f"more than {MAX_COLUMNS}")
    index: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        if name:
            index.setdefault(name.casefold(), []).append(i)
    cols = {f: _column(index, names, f, c, origin) for f, c in spec.columns.items()}
    blocks = _blocks(names, spec, origin) if spec.layout == "wide" else ()
    return _Plan(header=names, cols=cols, blocks=blocks)


def _column(index: dict[str, list[int]], names: tuple[str, ...], fld: str, col: str, o: str) -> int:
    found = index.get(col.casefold(), [])
    if not found:
        shown = ", ".join(repr(n) for n in names if n)
        raise FeedError(o, f"columns.{fld}", col, f"no such column in the header ({shown})")
    if len(found) > 1:
        raise FeedError(o, f"columns.{fld}", col, f"{len(found)} columns have this name")
    return found[0]


def _blocks(names: tuple[str, ...], spec: _Spec, origin: str) -> tuple[_Block, ...]:
    found: dict[str, dict[str, Any]] = {}
    taken: set[int] = set()
    for role in PATTERNS:
        for pattern in spec.patterns.get(role, ()):
            for i, name in enumerate(names):
                match = None if i in taken else pattern.search(name)
                if match is None:
                    continue
                taken.add(i)
                groups = match.groupdict()
                label = (groups.get("name") or "").strip()
                key = (groups.get("key") or label).strip()
                slot = found.setdefault(key, {"key": key, "names": ()})
                if label and role in PATTERNS[:2]:
                    slot["name"] = label
                _assign(slot, role, i, names, origin)
    blocks = [_Block(**slot) for slot in found.values()]
    if not blocks:
        shown = ", ".join(p.pattern for p in spec.patterns.get("candidate_votes", ()))
        raise FeedError(origin, "line 1", shown, "no column matches candidate_votes")
    bare = next((b for b in blocks if b.votes is None and b.share is None), None)
    if bare is not None:
        column = names[bare.first_column]
        raise FeedError(origin, "line 1", column, "a candidate block with no votes or share column")
    return tuple(blocks)


def _assign(slot: dict[str, Any], role: str, i: int, names: tuple[str, ...], origin: str) -> None:
    if role == "candidate_name":
        slot["names"] = (*slot["names"], i)
        return
    attr = {"candidate_votes": "votes", "candidate_share": "share", "candidate_id": "ident"}[role]
    if attr in slot:
        raise FeedError(origin, "line 1", names[i], f"a second {role} column for {slot['key']!r}")
    slot[attr] = i


# --- cells ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class _Row:
    """One data record, with what a failing cell needs to be named."""

    origin: str
    line: int
    cells: list[str]
    header: tuple[str, ...]

    def fail(self, i: int, reason: str) -> FeedError:
        column = self.header[i] or f"#{i + 1}"
        return FeedError(self.origin, f"line {self.line}, column {column!r}", self.cells[i], reason)

    def text(self, i: int | None) -> str:
        return "" if i is None else self.cells[i].strip()

    def count(self, i: int | None) -> int | None:
        if i is None:
            return None
        try:
            return numbers.count(self.cells[i], MAX_COUNT)
        except NumberError as exc:
            reason = "implausibly large" if exc.too_large else "expected a whole number"
            raise self.fail(i, reason) from None

    def share(self, i: int | None) -> float | None:
        if i is None:
            return None
        try:
            return numbers.percent(self.cells[i])
        except NumberError as exc:
            reason = (
                "a percentage must be between 0 and 100"
                if exc.too_large
                else "expected a percentage such as 47,70 or 60,00%"
            )
            raise self.fail(i, reason) from None

    def name(self, i: int) -> str:
        value = self.text(i)
        if len(value) > MAX_NAME:
            raise self.fail(i, f"longer than {MAX_NAME} characters")
        return value


def _row(origin: str, line: int, cells: list[str], header: tuple[str, ...]) -> _Row:
    row = _Row(origin=origin, line=line, cells=cells, header=header)
    width = len(header)
    if len(cells) < width:
        missing = header[len(cells)] or f"#{len(cells) + 1}"
        raise FeedError(
            origin,
            f"line {line}, column {missing!r}",
            cells[-1],
            f"truncated row: {len(cells)} fields, the header has {width}",
        )
    extra = next((i for i in range(width, len(cells)) if cells[i].strip()), None)
    if extra is not None:
        raise FeedError(
            origin, f"line {line}, field {extra + 1}", cells[extra], "more fields than the header"
        )
    long_cell = next((i for i, c in enumerate(cells[:width]) if len(c) > MAX_CELL), None)
    if long_cell is not None:
        raise row.fail(long_cell, f"cell longer than {MAX_CELL} characters")
    return row


# --- accumulating rows into races ------------------------------------------------------------


@dataclass(kw_only=True, slots=True)
class _Entry:
    """A candidate's figures in one unit, or summed over a race."""

    id: str
    name: str
    votes: int | None = None
    share: float | None = None


@dataclass(kw_only=True, slots=True)
class _Unit:
    """A polling station (or a pre-aggregated row): counts, turnout and candidates."""

    line: int
    values: dict[str, Any]
    entries: dict[str, _Entry] = field(default_factory=dict)

    @property
    def has_results(self) -> bool:
        return any((e.votes or 0) > 0 or (e.share or 0) > 0 for e in self.entries.values())


@dataclass(kw_only=True, slots=True)
class _RaceRows:
    """The units of one race, in file order."""

    id: str
    code: str | None
    name: str
    line: int
    units: dict[str, _Unit] = field(default_factory=dict)


class _Builder:
    """Reads data records one by one into races."""

    def __init__(self, origin: str, spec: _Spec, plan: _Plan) -> None:
        self.origin, self.spec, self.plan = origin, spec, plan
        self.races: dict[str, _RaceRows] = {}
        self.stamps: dict[str, datetime] = {}
        self.latest: datetime | None = None

    def add(self, row: _Row) -> None:
        """Fold one record into its race and unit."""
        race = self._race(row)
        unit = self._unit(row, race)
        entries = self._long(row) if self.spec.layout == "long" else self._wide(row)
        for col, entry in entries:
            if entry.id in unit.entries:
                hint = " (map columns.unit)" if self.spec.layout == "long" else ""
                raise row.fail(col, f"candidate {entry.id!r} twice in one unit{hint}")
            unit.entries[entry.id] = entry
        self._stamp(row)

    def _race(self, row: _Row) -> _RaceRows:
        col = self.plan.cols.get("race_id")
        code = row.text(col) if col is not None else None
        if col is not None and not slug(code or ""):
            raise row.fail(col, "expected a race code")
        race_id = slug(code) if code is not None else (self.spec.race_id or "national")
        if race_id not in self.races:
            name = row.name(self.plan.cols["race_name"]) if "race_name" in self.plan.cols else ""
            if not name and self.spec.race_name:
                name = self.spec.race_name.replace("{code}", code or race_id)
            self.races[race_id] = _RaceRows(
                id=race_id, code=code, name=name or code or race_id, line=row.line
            )
        return self.races[race_id]

    def _unit(self, row: _Row, race: _RaceRows) -> _Unit:
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
            unit = race.units[key] = _Unit(line=row.line, values=values)
            self._same_race_name(row, race)
            return unit
        for f, value in values.items():
            if value != unit.values[f]:
                raise row.fail(
                    self.plan.cols[f],
                    f"differs from line {unit.line} of the same unit ({unit.values[f]!r})",
                )
        return unit

    def _same_race_name(self, row: _Row, race: _RaceRows) -> None:
        col = self.plan.cols.get("race_name")
        first = next(iter(race.units.values()))
        if col is not None and first.values.get("race_name") != row.name(col):
            raise row.fail(col, f"differs from line {race.line} of the same race ({race.name!r})")

    def _value(self, row: _Row, fld: str) -> Any:
        col = self.plan.cols[fld]
        return row.name(col) if fld == "race_name" else row.count(col)

    def _long(self, row: _Row) -> list[tuple[int, _Entry]]:
        cols = self.plan.cols
        name = row.name(cols["candidate_name"]) if "candidate_name" in cols else ""
        ident = row.name(cols["candidate_id"]) if "candidate_id" in cols else ""
        where = cols.get("candidate_name", cols.get("candidate_id", 0))
        if not (name or ident):
            raise row.fail(where, "expected a candidate name")
        ident = ident or slug(name)
        if not ident:
            raise row.fail(where, "the name gives no usable id; map columns.candidate_id")
        votes, share = row.count(cols.get("votes")), row.share(cols.get("share"))
        entry = _Entry(id=ident, name=name or ident, votes=votes, share=share)
        return [(cols.get("candidate_id", where), entry)]

    def _wide(self, row: _Row) -> list[tuple[int, _Entry]]:
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
            entry = _Entry(id=ident, name=name[:MAX_NAME], votes=votes, share=share)
            entries.append((where, entry))
        return entries

    def _stamp(self, row: _Row) -> None:
        col = self.plan.cols.get("updated_at")
        raw = row.text(col)
        if col is None or not raw:
            return
        stamp = self.stamps.get(raw)
        if stamp is None:
            stamp = self.stamps[raw] = _timestamp(row, col, raw, self.spec.tz)
        if self.latest is None or stamp > self.latest:
            self.latest = stamp


def _timestamp(row: _Row, col: int, raw: str, tz: tzinfo | None) -> datetime:
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


# --- races -----------------------------------------------------------------------------------


def _build_race(rows: _RaceRows, spec: _Spec, origin: str) -> Race:
    units = list(rows.units.values())
    given = units[0].values.keys()
    pre_aggregated = "units_counted" in given
    adding = units if pre_aggregated else [u for u in units if u.has_results]
    counted = _sum(u.values.get("units_counted") for u in units) or 0
    if not pre_aggregated:
        counted = len(adding)
    total = _sum(u.values.get("units_total") for u in units)
    if total is None and not pre_aggregated:
        total = len(units)
    if total is not None and counted > total:
        raise FeedError(
            origin,
            f"race {rows.id!r} (line {rows.line})",
            counted,
            f"more units counted than {total}",
        )
    turnout = Turnout(**{f: _sum(u.values.get(f) for u in adding) for f in TURNOUT})
    race = Race(
        id=rows.id,
        name=rows.name,
        units=Units(counted=counted, total=total),
        turnout=turnout,
        candidates=_candidates(rows, units, adding, origin),
        level=spec.level,
        code=rows.code,
    )
    return with_computed_shares(race)


def _sum(values: Iterable[Any]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _candidates(
    rows: _RaceRows, units: Sequence[_Unit], adding: Sequence[_Unit], origin: str
) -> tuple[Candidate, ...]:
    order: dict[str, str] = {}
    for unit in units:
        for e in unit.entries.values():
            order.setdefault(e.id, e.name)
    if len(order) > MAX_CANDIDATES:
        raise FeedError(origin, f"race {rows.id!r}", f"{len(order)} candidates", "too many")
    single = len(adding) == 1
    # A candidate absent from every counted unit has 0 votes there, once anybody has votes.
    absent = 0 if any(e.votes is not None for u in adding for e in u.entries.values()) else None
    out = []
    for cid, name in order.items():
        found = [u.entries[cid] for u in adding if cid in u.entries]
        out.append(
            Candidate(
                id=cid,
                name=name,
                votes=_sum(e.votes for e in found) if found else absent,
                published_share=found[0].share if single and found else None,
            )
        )
    return tuple(out)


# --- entry point -----------------------------------------------------------------------------


def parse(data: bytes, origin: str, options: Mapping[str, Any], fetched_at: datetime) -> Snapshot:
    """Parse a CSV results file into a Snapshot, or raise FeedError naming line, column, value."""
    errors = check_options(options)
    if errors:
        raise FeedError(origin, "(options)", errors[0], "invalid csv options")
    spec = _spec(options)
    text = _decode(data, origin, spec.encoding)
    if not text.strip():
        raise FeedError(origin, "(document)", data[:20], "empty file")
    records = _records(text, origin, spec.delimiter or _sniff(text, origin))
    _, header = next(records, (0, []))
    plan = _plan(header, spec, origin)
    builder = _Builder(origin, spec, plan)
    for n, (line, cells) in enumerate(records, start=1):
        if n > MAX_ROWS:
            raise FeedError(origin, f"line {line}", f"{n} rows", f"more than {MAX_ROWS} rows")
        builder.add(_row(origin, line, cells, plan.header))
    if not builder.races:
        raise FeedError(origin, "(document)", f"{len(header)} columns", "no data rows")
    races = tuple(_build_race(r, spec, origin) for r in builder.races.values())
    return Snapshot(
        election=spec.election or slug(PurePosixPath(origin.split("?")[0]).stem) or FORMAT,
        updated_at=builder.latest or fetched_at,
        races=races,
    )
