"""The config's key reader: each value checked for its kind and bounds, each error naming the
file, the key and the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config_reader import ConfigError, Reader

ORIGIN = Path("/etc/soiree.toml")


def reader(**data: object) -> Reader:
    return Reader(ORIGIN, dict(data))


def test_pick_returns_the_value_or_the_default() -> None:
    r = reader(interval=30)
    assert r.pick(r.data, "", "interval", (int, float), 60) == 30
    assert r.pick(r.data, "", "timeout", (int, float), 10) == 10


def test_a_missing_required_key_is_named_with_its_prefix() -> None:
    r = reader()
    with pytest.raises(ConfigError, match=r"^/etc/soiree.toml: sources\[0\]\.id: missing"):
        r.pick(r.data, "sources[0].", "id", str, required=True)


def test_true_is_not_a_number() -> None:
    r = reader(interval=True)
    with pytest.raises(ConfigError, match=r"interval = True: expected an integer or a number"):
        r.pick(r.data, "", "interval", (int, float))


@pytest.mark.parametrize(
    ("value", "strict", "reason"),
    [(0, True, "above 0"), (-1, False, "at least 0"), (float("inf"), False, "at least 0")],
)
def test_a_number_out_of_its_bounds_says_them(value: float, strict: bool, reason: str) -> None:
    r = reader(n=value)
    with pytest.raises(ConfigError, match=f"expected a finite number {reason}"):
        r.number(r.data, "", "n", 1.0, strict=strict)


def test_an_upper_bound_is_said_too() -> None:
    r = reader(n=51)
    with pytest.raises(ConfigError, match="at least 1 and at most 50"):
        r.number(r.data, "", "n", 10, low=1, high=50)


def test_strings_and_numbers_name_the_bad_item() -> None:
    r = reader(races=["a", ""], steps=[10, -5])
    with pytest.raises(ConfigError, match=r"races\[1\] = '': expected a non-empty string"):
        r.strings(r.data, "", "races", [])
    with pytest.raises(ConfigError, match=r"steps\[1\] = -5: expected an integer, not negative"):
        r.numbers(r.data, "", "steps", (), int)
