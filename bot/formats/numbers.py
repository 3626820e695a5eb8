"""Numbers as feeds write them: counts and percentages, grouped or padded with spaces.

Every format reads its text numbers here, with one table of the spaces a number may carry:
the plain space, the tab, line breaks (an XML element written over several lines), the
no-break space (U+00A0) and the narrow no-break space (U+202F, the French thousands
separator). Leading and trailing white space of any kind is ignored.

- A **count** is decimal digits, spaced anywhere (`"8 001 877"`, `" 8\\u202f001\\u00a0877 "`),
  with an optional zero decimal part, as spreadsheets export whole numbers (`"1 234,0"`,
  `"12.00"`). A sign, a non-zero decimal part or a letter is refused; so is a count over
  the caller's limit.
- A **percentage** is a decimal with a point or a comma and an optional `%` (`"  40,12"`,
  `"47,70 %"`, `"60,00%"`, `".5"`). A sign is refused; so is more than 100.

Blank text is None: whether the figure is required is the caller's call. A refused number
raises NumberError; the format names the file, the field and the value in its FeedError.
JSON numbers arrive typed and are checked by the canonical parser itself.
"""

from __future__ import annotations

import re

SPACES = " \t\r\n\u00a0\u202f"
MAX_PERCENT = 100.0

_UNSPACED = str.maketrans("", "", SPACES)
_COUNT = re.compile(r"(\d+)(?:[.,]0+)?")
_PERCENT = re.compile(r"\d+(?:\.\d*)?|\.\d+")


class NumberError(ValueError):
    """A published number that does not read: `too_large` tells a bound from a bad form."""

    def __init__(self, raw: str, *, too_large: bool = False) -> None:
        super().__init__(f"{raw!r}: {'too large' if too_large else 'not a number'}")
        self.raw = raw
        self.too_large = too_large


def count(raw: str, limit: int) -> int | None:
    """Return the count `raw` writes, None when blank; raise NumberError (over `limit` too)."""
    text = raw.strip().translate(_UNSPACED)
    if not text:
        return None
    match = _COUNT.fullmatch(text)
    if match is None:
        raise NumberError(raw)
    digits = match.group(1).lstrip("0") or "0"
    # Compare lengths first: int() of thousands of digits is slow, and refused past 4,300.
    if len(digits) <= len(str(limit)):
        value = int(digits)
        if value <= limit:
            return value
    raise NumberError(raw, too_large=True)


def percent(raw: str) -> float | None:
    """Return the percentage `raw` writes, None when blank; raise NumberError (over 100 too)."""
    text = raw.strip().translate(_UNSPACED).removesuffix("%").replace(",", ".")
    if not text:
        return None
    if _PERCENT.fullmatch(text) is None:
        raise NumberError(raw)
    value = float(text)
    if value > MAX_PERCENT:
        raise NumberError(raw, too_large=True)
    return value
