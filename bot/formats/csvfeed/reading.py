"""Reading a CSV file: decoding, the separator, its records, and one record's cells."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.formats import numbers
from bot.formats.csvfeed.options import MAX_NAME
from bot.formats.errors import FeedError
from bot.formats.numbers import NumberError

MAX_CELL = 1_000
MAX_COUNT = 10**12
SNIFFED = (";", "\t", ",")
NEWLINE = b"\n"


def decode(data: bytes, origin: str, encoding: str | None) -> str:
    """Return the text: in the encoding given, else UTF-8 (BOM or not), cp1252 or latin-1."""
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


def sniff(text: str, origin: str) -> str:
    """Return the separator of the header line: the one that splits it widest."""
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


def read_records(text: str, origin: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Yield each non-blank record with its line number, or raise naming a malformed line."""
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


@dataclass(frozen=True, kw_only=True, slots=True)
class Row:
    """One data record, with what a failing cell needs to be named."""

    origin: str
    line: int
    cells: list[str]
    header: tuple[str, ...]
    block: tuple[int, int] | None = None  # the blocks layout's (start, width)

    def fail(self, i: int, reason: str) -> FeedError:
        """Return the FeedError naming this record's line, the column and the cell."""
        if self.block is not None and i >= self.block[0]:
            start, width = self.block
            column = self.header[start + (i - start) % width] or f"#{i + 1}"
            where = f"line {self.line}, candidate {(i - start) // width + 1}, column {column!r}"
        else:
            where = f"line {self.line}, column {self.header[i] or f'#{i + 1}'!r}"
        return FeedError(self.origin, where, self.cells[i], reason)

    def text(self, i: int | None) -> str:
        """Return a cell's text without surrounding spaces; empty for an unmapped column."""
        return "" if i is None else self.cells[i].strip()

    def count(self, i: int | None) -> int | None:
        """Return a cell's count (`1 024`, `1 234,0`), None when empty or unmapped."""
        if i is None:
            return None
        try:
            return numbers.count(self.cells[i], MAX_COUNT)
        except NumberError as exc:
            reason = "implausibly large" if exc.too_large else "expected a whole number"
            raise self.fail(i, reason) from None

    def share(self, i: int | None) -> float | None:
        """Return a cell's percentage (`47,70 %`, `60,00%`), None when empty or unmapped."""
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
        """Return a cell's text, refusing one longer than MAX_NAME."""
        value = self.text(i)
        if len(value) > MAX_NAME:
            raise self.fail(i, f"longer than {MAX_NAME} characters")
        return value


def checked_row(
    origin: str,
    line: int,
    cells: list[str],
    header: tuple[str, ...],
    block: tuple[int, int] | None = None,
) -> Row:
    """Return a record as a Row, refusing a truncated or too wide record and an oversized cell."""
    if block is not None:
        return _block_row(Row(origin=origin, line=line, cells=cells, header=header, block=block))
    row = Row(origin=origin, line=line, cells=cells, header=header)
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


def _block_row(row: Row) -> Row:
    """Check a blocks-layout record: every cell of its place, no oversized cell (the units
    builder reads its candidate blocks)."""
    assert row.block is not None
    start, cells = row.block[0], row.cells
    if len(cells) < start:
        missing = row.header[len(cells)] or f"#{len(cells) + 1}"
        raise FeedError(
            row.origin,
            f"line {row.line}, column {missing!r}",
            cells[-1],
            f"truncated row: {len(cells)} fields, the place's columns are {start}",
        )
    long_cell = next((i for i, c in enumerate(cells) if len(c) > MAX_CELL), None)
    if long_cell is not None:
        raise row.fail(long_cell, f"cell longer than {MAX_CELL} characters")
    return row
