"""Reading a config file's TOML through its msgspec schema (bot/config_schema.py): every
problem of the file at once, each naming the file, the key, the value and what is wrong, in
our words; an unknown key with the closest known one, and the table it was found in."""

from __future__ import annotations

import difflib
import functools
import re
import types
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import msgspec
from msgspec import inspect as mi

from bot.config_schema import TABLES, ConfigFile, Table
from bot.logs import redact_urls

T = TypeVar("T", bound=Table)
_BAD: Any = object()  # a value that failed its check; its problem is already noted


class ConfigError(Exception):
    """The configuration is invalid; each of its problems names the file and the key, and
    shows any URL without its credentials. str() is the problems, one a line."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(redact_urls(message))
        self.problems = tuple(redact_urls(p) for p in problems) or (str(self),)


class Reader:
    """Reads one config file's tables with their schema, and gathers its problems."""

    def __init__(self, origin: Path, data: dict[str, Any]) -> None:
        self.origin, self.data = origin, data
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self._flagged: set[str] = set()

    def fail(self, key: str, value: object, reason: str) -> None:
        """Note the problem of a key's value."""
        self.note(key, reason, f"{key} = {value!r}")

    def note(self, key: str, reason: str, shown: str | None = None) -> None:
        """Note a problem of a key (or a table: "sources[0]") that shows no value."""
        self._flagged.add(key)
        self.problems.append(f"{self.origin}: {shown or key}: {reason}")

    def warn(self, key: str, reason: str) -> None:
        """Note what is not an error but may be a mistake."""
        self.warnings.append(f"{self.origin}: {key}: {reason}")

    def flagged(self, key: str) -> bool:
        """Say whether a problem was noted at this key already (checks of it are moot)."""
        return key in self._flagged

    def error(self) -> ConfigError | None:
        """Return the error that lists every problem noted, None when there is none."""
        if not self.problems:
            return None
        return ConfigError("\n".join(self.problems), self.problems)

    def read(self) -> ConfigFile:
        """Return the file's top-level table; what fails its schema is noted, and left at
        its default so that the other keys can still be checked."""
        return self.table(self.data, ConfigFile, "")

    def table(self, value: Any, cls: type[T], where: str) -> T:
        """Return a table read with its Struct, each bad key noted and left at its default."""
        if not isinstance(value, dict):
            self.fail(where, value, "expected a table")
            return cls()
        missing = [key for key in cls.required if key not in value]
        if not missing and not _holds_tables(cls):  # a table within has its own `required`
            try:
                return msgspec.convert(value, cls)  # the usual case: all is well
            except msgspec.ValidationError:
                pass  # find every problem, not only the first msgspec met
        fields = {f.encode_name: f for f in msgspec.structs.fields(cls)}
        good: dict[str, Any] = {}
        for key, item in value.items():
            field = fields.get(key)
            if field is None:
                self._unknown(key, where, cls)
                continue
            checked = self.value(item, field.type, _join(where, key))
            if checked is not _BAD:
                good[field.name] = checked
        for key in missing:
            self.note(_join(where, key), "missing required key")
        return cls(**good)

    def value(self, value: Any, tp: Any, where: str) -> Any:
        """Return a value converted to its type, or _BAD with each of its problems noted."""
        inner = _optional(tp)
        if value is None and inner is not tp:
            return None
        if _is_table(inner):
            return self.table(value, inner, where)
        base, args = get_origin(_plain(inner)), get_args(_plain(inner))
        if base is tuple and args and _is_table(args[0]) and isinstance(value, list):
            return tuple(self.table(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
        try:
            return msgspec.convert(value, tp)
        except msgspec.ValidationError:
            pass
        noted = len(self.problems)
        if base is tuple and isinstance(value, list) and args:
            self._items(((f"{where}[{i}]", v) for i, v in enumerate(value)), args[0])
        elif base is dict and isinstance(value, dict):
            self._items(((_join(where, str(k)), v) for k, v in value.items()), args[1])
        if len(self.problems) == noted:  # not an item's fault: the whole value's
            self.fail(where, value, f"expected {describe(mi.type_info(tp))}")
        return _BAD

    def _items(self, items: Iterable[tuple[str, Any]], tp: Any) -> None:
        for where, item in items:
            self.value(item, tp, where)

    def _unknown(self, key: str, where: str, cls: type[Table]) -> None:
        """Note an unknown key, with the key it was likely meant to be, or the table it
        belongs in when TOML put it in the table above it (a key after a header)."""
        known = [f.encode_name for f in msgspec.structs.fields(cls)]
        home = next((t for t in TABLES if t is not cls and key in t.__struct_fields__), None)
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        if home is ConfigFile:  # a name of another table's beats a like name of this one
            hint = (
                f"; `{key}` is a top-level key, and TOML reads every key after a table's "
                "header into that table: move it above the first [table] or [[table]] header"
            )
        elif home is not None:
            hint = f"; `{key}` is a key of {TABLES[home]}: move it under that header"
        elif close:
            hint = f"; did you mean `{close[0]}`?"
        else:
            hint = f"; known keys: {', '.join(known)}"
        self.note(_join(where, key), f"unknown key {_table_name(where, cls)}{hint}",
                  f"`{_join(where, key)}`")  # fmt: skip


def _is_table(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, Table)


@functools.cache
def _holds_tables(cls: type[Table]) -> bool:
    """Say whether a table's fields hold tables (directly or as a list of them)."""
    kinds = (_plain(_optional(f.type)) for f in msgspec.structs.fields(cls))
    return any(_is_table(k) or any(_is_table(a) for a in get_args(k)) for k in kinds)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _table_name(where: str, cls: type[Table]) -> str:
    """Return where a table is: "at the top level", "in [rules]", "in [[sources]] number 2"."""
    name = TABLES.get(cls, f"[{where}]")
    item = re.search(r"\[(\d+)\]$", where)
    if cls is ConfigFile:
        return f"at {name}"
    return f"in {name} number {int(item.group(1)) + 1}" if item else f"in {name}"


def _optional(tp: Any) -> Any:
    """Return X of `X | None`, else the type itself."""
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(args) < len(get_args(tp)):
            return args[0]
    return tp


def _plain(tp: Any) -> Any:
    """Return the type under Annotated[...]."""
    return get_args(tp)[0] if get_origin(tp) is Annotated else tp


_KINDS: dict[type, str] = {
    mi.IntType: "an integer", mi.FloatType: "a number", mi.StrType: "a string",
    mi.BoolType: "true or false", mi.DictType: "a table", mi.StructType: "a table",
    mi.VarTupleType: "a list", mi.ListType: "a list", mi.AnyType: "a value",
}  # fmt: skip


def describe(info: mi.Type) -> str:
    """Return what a schema type expects, in words: "a number of seconds above 0", "an
    integer, from 0 to 100", "one of dark, light"."""
    if isinstance(info, mi.Metadata):
        said = (info.extra_json_schema or {}).get("description")
        return str(said) if said else describe(info.type)
    if isinstance(info, mi.UnionType):
        return " or ".join(describe(t) for t in info.types if not isinstance(t, mi.NoneType))
    if isinstance(info, mi.LiteralType):
        return f"one of {', '.join(map(str, info.values))}"
    if isinstance(info, mi.DateTimeType):
        return "a date and time" + (" with a UTC offset (e.g. +01:00)" if info.tz else "")
    if isinstance(info, mi.StrType) and info.min_length:
        return "a non-empty string"
    if isinstance(info, mi.VarTupleType | mi.ListType) and info.min_length:
        return f"a list of at least {info.min_length} item(s)"
    kind = _KINDS.get(type(info), type(info).__name__)
    bounds = _bounds(info) if isinstance(info, mi.IntType | mi.FloatType) else []
    return f"{kind}, {' and '.join(bounds)}" if bounds else kind


def _bounds(info: mi.IntType | mi.FloatType) -> list[str]:
    if info.ge is not None and info.le is not None:
        return [f"from {info.ge:g} to {info.le:g}"]
    said = [("above", info.gt), ("at least", info.ge), ("below", info.lt), ("at most", info.le)]
    return [f"{word} {value:g}" for word, value in said if value is not None]
