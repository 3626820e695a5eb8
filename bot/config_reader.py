"""Reading a TOML table into checked values: every error names the file, the key, the value."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from bot.logs import redact_urls


class ConfigError(Exception):
    """The configuration is invalid; the message names the file and the key, and shows any
    URL in it without its credentials."""

    def __init__(self, message: str) -> None:
        super().__init__(redact_urls(message))


class Reader:
    """Reads the keys of one config file's tables, each checked for its kind and bounds."""

    def __init__(self, origin: Path, data: dict[str, Any]) -> None:
        self.origin, self.data = origin, data

    def fail(self, key: str, value: object, reason: str) -> ConfigError:
        """Return the error that names a key, its value and what is wrong with it."""
        return ConfigError(f"{self.origin}: {key} = {value!r}: {reason}")

    def pick(
        self,
        table: dict[str, Any],
        prefix: str,
        key: str,
        kind: type | tuple[type, ...],
        default: Any = None,
        required: bool = False,
    ) -> Any:
        """Return a key's value of the expected kind, or its default when it is absent."""
        name = f"{prefix}{key}"
        if key not in table:
            if required:
                raise ConfigError(f"{self.origin}: {name}: missing required key")
            return default
        value = table[key]
        if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
            raise self.fail(name, value, f"expected {_kind_name(kind)}")
        return value

    def number(
        self,
        table: dict[str, Any],
        prefix: str,
        key: str,
        default: float,
        *,
        low: float = 0.0,
        strict: bool = False,
        high: float = math.inf,
    ) -> float:
        """Return a finite number within its bounds."""
        value = float(self.pick(table, prefix, key, (int, float), default))
        too_low = value <= low if strict else value < low
        if not math.isfinite(value) or too_low or value > high:
            bound = f"above {low:g}" if strict else f"at least {low:g}"
            limit = f" and at most {high:g}" if math.isfinite(high) else ""
            raise self.fail(f"{prefix}{key}", value, f"expected a finite number {bound}{limit}")
        return value

    def strings(
        self, table: dict[str, Any], prefix: str, key: str, default: list[str]
    ) -> tuple[str, ...]:
        """Return a list of non-empty strings."""
        values = self.pick(table, prefix, key, list, default)
        for i, v in enumerate(values):
            if not isinstance(v, str) or not v:
                raise self.fail(f"{prefix}{key}[{i}]", v, "expected a non-empty string")
        return tuple(values)

    def numbers(
        self,
        table: dict[str, Any],
        prefix: str,
        key: str,
        default: tuple[Any, ...],
        kind: type | tuple[type, ...] = (int, float),
    ) -> tuple[Any, ...]:
        """Return a list of numbers of a kind, none negative."""
        values = self.pick(table, prefix, key, list, list(default))
        for i, v in enumerate(values):
            numeric = isinstance(v, kind) and isinstance(v, int | float)
            if isinstance(v, bool) or not numeric or v < 0:
                raise self.fail(
                    f"{prefix}{key}[{i}]", v, f"expected {_kind_name(kind)}, not negative"
                )
        return tuple(values)


_KIND_NAMES: dict[type, str] = {
    int: "an integer", float: "a number", str: "a string", bool: "true or false",
    list: "a list", dict: "a table",
}  # fmt: skip


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)
