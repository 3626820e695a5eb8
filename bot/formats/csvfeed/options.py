"""A csv source's options: checked (each error starts with its key), then resolved into a Spec."""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.formats.errors import unknown_option

MAX_NAME = 200

TURNOUT = ("registered", "voters", "blank", "null", "valid")


UNIT_COUNTS = ("units_counted", "units_total")


UNIT_FIELDS = ("race_name", *UNIT_COUNTS, *TURNOUT)


LONG_ONLY = ("unit", "candidate_id", "candidate_name", "party", "votes", "share")


# The fields of a candidate block (layout = "blocks"), read in each repeated block.
BLOCK_FIELDS = LONG_ONLY[1:]


FIELDS = ("race_id", "race_name", "unit", *UNIT_COUNTS, *TURNOUT, *BLOCK_FIELDS, "updated_at")


# Fields that may join several columns, and the text put between their cells.
JOINED = {"race_id": "-", "race_name": ", ", "candidate_name": " "}


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


# The data.gouv "résultats par niveau" file of legislative constituencies (cirlg).
DEFAULT_BLOCK_COLUMNS: dict[str, str | list[str]] = {
    "race_id": ["Code du département", "Code de la circonscription"],
    "race_name": ["Libellé du département", "Libellé de la circonscription"],
    "registered": "Inscrits",
    "voters": "Votants",
    "blank": "Blancs",
    "null": "Nuls",
    "valid": "Exprimés",
    "candidate_id": "N°Panneau",
    "candidate_name": ["Prénom", "Nom"],
    "party": "Nuance",
    "votes": "Voix",
    "share": "% Voix/Exp",
}


def check_options(options: Mapping[str, Any]) -> list[str]:
    """Return the errors of a csv source's options, each starting with the option's key."""
    errors = [
        unknown_option(key, OPTIONS)
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
    errors += _check_long(options, columns) if layout != "wide" else _check_wide(options)
    return errors


def _check_scalars(options: Mapping[str, Any]) -> list[str]:
    errors = []
    choices = {"layout": ("long", "wide", "blocks"), "aggregate": ("race", "none")}
    for key, allowed in choices.items():
        if key in options and str(options[key]) not in allowed:
            *most, last = (repr(a) for a in allowed)
            errors.append(f"{key}: expected {', '.join(most)} or {last}")
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
        elif key in JOINED and isinstance(value, list) and value:
            if not all(isinstance(v, str) and v.strip() for v in value):
                errors.append(f"columns.{key}: expected a column name or a list of them")
        elif not isinstance(value, str) or not value.strip():
            errors.append(f"columns.{key}: expected a column name")
        if layout == "wide" and key in LONG_ONLY:
            errors.append(f'columns.{key}: only with layout = "long" (see candidate_votes)')
        elif layout == "blocks" and key == "unit":
            errors.append('columns.unit: not with layout = "blocks" (a row is one place)')
    return errors


def _check_long(options: Mapping[str, Any], columns: Mapping[str, Any]) -> list[str]:
    """Check the long and blocks layouts: a candidate and its figures must be mapped."""
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


def _names(value: str | list[str]) -> tuple[str, ...]:
    return tuple(v.strip() for v in ([value] if isinstance(value, str) else value))


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
class Spec:
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
    columns: Mapping[str, tuple[str, ...]]  # a field's column, or the columns it joins
    patterns: Mapping[str, tuple[re.Pattern[str], ...]]


def resolve(options: Mapping[str, Any]) -> Spec:
    """Return the checked options resolved: defaults filled, patterns compiled."""
    layout = options.get("layout", "long")
    defaults = {"long": DEFAULT_COLUMNS, "blocks": DEFAULT_BLOCK_COLUMNS}.get(layout, {})
    columns = dict(options.get("columns", defaults))
    # The default block columns are those of data.gouv's constituency file: its races'
    # level is theirs (a legislative constituency), not the whole country.
    level = "circonscription" if layout == "blocks" and "columns" not in options else "national"
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
    return Spec(
        layout=layout,
        election=options.get("election"),
        delimiter=DELIMITERS[delimiter] if delimiter is not None else None,
        encoding=_encoding(options["encoding"]) if "encoding" in options else None,
        aggregate=options.get("aggregate", "race" if race_id is not None else "none") == "race",
        race_id=race_id,
        race_name=options.get("race_name"),
        level=options.get("level", level),
        tz=_zone(options.get("timezone")),
        columns={k: _names(v) for k, v in columns.items()},
        patterns=patterns,
    )
