"""The error a parser raises for a rejected document: it names the file, the field and the value."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


class FeedError(Exception):
    """A feed document was rejected; the last good snapshot keeps serving."""

    def __init__(self, origin: str, field: str, value: object, reason: str) -> None:
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(f"{origin}: {field} = {shown}: {reason}")
        self.origin = origin
        self.field = field
        self.value = value
        self.reason = reason


def unknown_option(key: str, known: Sequence[str]) -> str:
    """Word a source option that its format does not take, with the option it was likely
    meant to be (`tour` → `round`) and the options there are."""
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    return f"{key}: unknown option{hint} (this format takes {', '.join(known)})"
