"""The feed formats Soirée reads, by name: each a pure `parse(bytes, origin) -> Snapshot`."""

from __future__ import annotations

from collections.abc import Callable

from bot.models import Snapshot
from bot.sources import canonical

Parser = Callable[[bytes, str], Snapshot]

PARSERS: dict[str, Parser] = {
    canonical.FORMAT: canonical.parse,
}
