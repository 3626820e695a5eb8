"""The shared number reader: one table of spaces, and each format's published forms."""

from __future__ import annotations

import pytest

from bot.formats.numbers import SPACES, NumberError, count, percent

LIMIT = 10**12


@pytest.mark.parametrize("space", list(SPACES))
def test_every_space_of_the_table_groups_or_pads_a_count(space: str) -> None:
    assert count(f"{space}8{space}001{space}877{space}", LIMIT) == 8_001_877
    assert percent(f"{space}40,12{space}%") == 40.12


def test_the_table_holds_the_spaces_feeds_use() -> None:
    # Tab and line breaks (an element over several lines), no-break and narrow no-break.
    assert set(SPACES) == {" ", "\t", "\r", "\n", "\u00a0", "\u202f"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8001877", 8_001_877),  # Ministry: bare digits
        (" 8\u202f001\u00a0877 ", 8_001_877),  # Ministry: French thousands separators
        ("\n  24606959\n", 24_606_959),  # Ministry: an element written over lines
        ("1 234", 1234),  # CSV: spaced
        ("1 234,0", 1234),  # CSV: a spreadsheet's whole number
        ("650 000", 650_000),
        ("12.00", 12),
        ("0042", 42),
        ("570", 570),  # Clarity: an attribute
        ("0", 0),
    ],
)
def test_counts_in_every_format_s_forms(raw: str, expected: int) -> None:
    assert count(raw, LIMIT) == expected


@pytest.mark.parametrize("raw", ["", "   ", "\u00a0\n"])
def test_a_blank_count_is_none(raw: str) -> None:
    assert count(raw, LIMIT) is None


@pytest.mark.parametrize("raw", ["-5", "+5", "12.5", "1,5", "13 890 21O", "NaN", "1e3", "%", "²"])
def test_what_is_not_a_count_is_refused(raw: str) -> None:
    with pytest.raises(NumberError) as caught:
        count(raw, LIMIT)
    assert not caught.value.too_large
    assert caught.value.raw == raw


def test_a_count_over_the_limit_is_too_large() -> None:
    assert count("1 000 000 000 000", LIMIT) == LIMIT
    with pytest.raises(NumberError) as caught:
        count("1 000 000 000 001", LIMIT)
    assert caught.value.too_large
    with pytest.raises(NumberError) as caught:
        count("9" * 5000, LIMIT)  # refused before int() has to read 5,000 digits
    assert caught.value.too_large


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  63,45", 63.45),  # Ministry: padded, decimal comma
        ("\u00a063,45", 63.45),
        ("63,45\u202f%", 63.45),
        (" 63.45 ", 63.45),
        ("47,70 %", 47.70),  # CSV
        ("60,00%", 60.0),
        ("100", 100.0),
        (".5", 0.5),
        ("0", 0.0),
    ],
)
def test_percentages_in_every_format_s_forms(raw: str, expected: float) -> None:
    assert percent(raw) == expected


@pytest.mark.parametrize("raw", ["", "  ", "%"])
def test_a_blank_percentage_is_none(raw: str) -> None:
    assert percent(raw) is None


@pytest.mark.parametrize("raw", ["63;45", "beaucoup", "-3,2%", "4O,1"])
def test_what_is_not_a_percentage_is_refused(raw: str) -> None:
    with pytest.raises(NumberError) as caught:
        percent(raw)
    assert not caught.value.too_large


@pytest.mark.parametrize("raw", ["100,01", " 163,45", "101,5 %"])
def test_more_than_100_percent_is_too_large(raw: str) -> None:
    with pytest.raises(NumberError) as caught:
        percent(raw)
    assert caught.value.too_large
