"""Stable ids from names, for every format: lower case, accents dropped, other runs one dash."""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG = 80


def slug(text: str) -> str:
    """Return an id for a name: "M. CADALEN Pierre-Yves" → "m-cadalen-pierre-yves"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]+", "-", bare).strip("-")[:MAX_SLUG].strip("-")
