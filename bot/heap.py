"""Giving memory back: free pages trimmed; what lives all night kept out of the collector's
sight."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim  # glibc only
    except (OSError, AttributeError):
        return None
    return trim


_TRIM = _malloc_trim()
M_ARENA_MAX = -8  # glibc's mallopt parameter
ARENAS = 2  # malloc arenas for all threads (glibc makes up to 8 a core, one a thread)


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas, as MALLOC_ARENA_MAX does, unless the environment sets it;
    return whether it was set. The chart, store and parsing threads each took an arena of
    their own, whose free pages a trim returns only in part (bench.memory, P4)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))


limit_arenas()  # at import, before the bot starts its threads


def trim() -> None:
    """Return the free pages of every malloc arena to the system (glibc's malloc_trim;
    elsewhere, nothing is done).

    A feed version's body and its JSON for the store, and a chart's canvas, are
    megabytes each and freed soon after; glibc keeps such pages in its arenas, and the
    bot's resident set only ever grew.
    """
    if _TRIM is not None:
        _TRIM(0)


def freeze() -> None:
    """Move every object alive now (the libraries, the config) out of the collector's
    sight, so that its full passes walk only what the night created since."""
    gc.collect()
    gc.freeze()
