"""The error a parser raises for a rejected document: it names the file, the field and the value."""

from __future__ import annotations


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
