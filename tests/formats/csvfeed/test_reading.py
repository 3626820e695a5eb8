"""Reading a CSV file: encodings, separators and quoting; a bad cell names its line and column."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from bot.formats.csvfeed import parse
from tests.formats.csvfeed.support import (
    BREST,
    BREST_CP1252,
    BREST_UTF8,
    BUREAU_HEADER,
    FETCHED,
    LONG,
    ORIGIN,
    brest,
    lines,
    reject,
)


def test_cp1252_with_decimal_commas_parses_like_its_utf8_twin() -> None:
    assert BREST_CP1252 != BREST_UTF8
    assert "’".encode("cp1252") in BREST_CP1252
    assert b"\r\n" in BREST_CP1252

    assert brest(BREST_CP1252) == brest(BREST_UTF8)
    assert brest(BREST_CP1252, encoding="cp1252") == brest(BREST_UTF8, encoding="utf-8")
    assert brest(b"\xef\xbb\xbf" + BREST_UTF8) == brest(BREST_UTF8)


def rewrite(data: bytes, delimiter: str, quoting: int = csv.QUOTE_MINIMAL) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize(
    ("delimiter", "quoting"),
    [
        (";", csv.QUOTE_MINIMAL),
        ("\t", csv.QUOTE_MINIMAL),
        (",", csv.QUOTE_ALL),
        (";", csv.QUOTE_ALL),
    ],
)
def test_separators_and_quoting_give_the_same_snapshot(delimiter: str, quoting: int) -> None:
    expected = parse(LONG, ORIGIN, {}, FETCHED)

    assert parse(rewrite(LONG, delimiter, quoting), ORIGIN, {}, FETCHED) == expected
    named = {";": ";", "\t": "tab", ",": ","}[delimiter]
    assert (
        parse(rewrite(LONG, delimiter, quoting), ORIGIN, {"delimiter": named}, FETCHED) == expected
    )


def test_a_comma_file_with_quoted_decimal_commas() -> None:
    semicolons = brest(BREST_UTF8)
    rows = list(csv.reader(io.StringIO(BREST_UTF8.decode("utf-8")), delimiter=";"))
    out = io.StringIO()
    csv.writer(out, delimiter=",").writerows(rows)

    assert brest(out.getvalue().encode("utf-8")) == semicolons


HEADER, ROW = LONG.decode("utf-8").splitlines()[:2]


def long_with(*rows: str) -> bytes:
    return lines(HEADER, *rows)


@pytest.mark.parametrize(
    ("data", "field", "value", "reason"),
    [
        (
            long_with(ROW.replace(",143790", ",143 79O")),
            "line 2, column 'voix'",
            "143 79O",
            "whole",
        ),
        (long_with(ROW.replace(",143790", ",-5")), "line 2, column 'voix'", "-5", "whole"),
        (long_with(ROW.replace(",143790", ",12.5")), "line 2, column 'voix'", "12.5", "whole"),
        (
            long_with(ROW, ROW.replace(",412034,", ",NaN,")),
            "line 3, column 'votants'",
            "NaN",
            "whole",
        ),
        (long_with(ROW.replace(",3100,", ",9999,")), "race 'fe' (line 2)", 9999, "more units"),
        (long_with(ROW, ROW), "line 3, column 'candidate_id'", "CAND_A", "twice"),
        (long_with(ROW.rsplit(",", 3)[0]), "line 2, column 'candidate_id'", "408383", "truncated"),
        (long_with(ROW + ",surplus"), "line 2, field 14", "surplus", "more fields"),
        (
            long_with(ROW.replace("Élise", '"Élise')),
            "line 2",
            "unexpected end of data",
            "malformed",
        ),
        (
            long_with(ROW.replace("Élise", "É" * 1001)),
            "line 2, column 'candidate_name'",
            None,
            "1000",
        ),
        (long_with(ROW.replace(",FE,", ",—,")), "line 2, column 'scope_code'", "—", "race code"),
        (
            long_with(ROW.replace("CAND_A,Élise Durand", ",")),
            "line 2, column 'candidate_name'",
            "",
            "name",
        ),
        (lines(HEADER), "(document)", "13 columns", "no data rows"),
        (b"", "(document)", b"", "empty"),
        (lines("one column only", "1"), "line 1", "one column only", "separator"),
    ],
)
def test_bad_long_files_are_rejected(data: bytes, field: str, value: Any, reason: str) -> None:
    err = reject(data)

    assert err.field == field
    if value is not None:
        assert err.value == value
    assert reason in err.reason


@pytest.mark.parametrize(
    ("cell", "reason"),
    [("101,5 %", "between 0 and 100"), ("beaucoup", "percentage"), ("-3,2%", "percentage")],
)
def test_a_bad_percentage_names_its_cell(cell: str, reason: str) -> None:
    data = lines(BUREAU_HEADER, f"0;104;02;805;384;17;0;367;200;{cell};167")

    err = reject(data, BREST)

    assert (err.field, err.value) == ("line 2, column 'A - pourcentage'", cell)
    assert reason in err.reason


def test_the_wrong_encoding_is_rejected() -> None:
    err = reject(BREST_CP1252, {**BREST, "encoding": "utf-8"})

    assert err.field == "line 1"
    assert err.value == "éro;Bure".encode("cp1252")
    assert err.reason == "not utf-8"


def test_utf16_is_rejected() -> None:
    err = reject(BREST_UTF8.decode("utf-8").encode("utf-16"), BREST)

    assert err.field == "line 1"
    assert "UTF-16" in err.reason


def test_a_field_over_the_csv_module_limit_is_rejected() -> None:
    err = reject(long_with(ROW.replace("Élise Durand", "x" * 200_000)))

    assert err.field == "line 2"
    assert "field larger than field limit" in str(err.value)
