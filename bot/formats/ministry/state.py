"""What one parse of a Ministry file gathers: the options, the communes read, rounds and time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from bot.models import Candidate, Turnout

Element = etree._Element


@dataclass(frozen=True, slots=True)
class Wanted:
    """The options of a parse: the round chosen and the communes kept as races."""

    round: int | None
    communes: frozenset[str] | None


@dataclass(frozen=True, slots=True)
class Figures:
    """One round's published figures at one place."""

    round: int
    turnout: Turnout
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class Commune:
    """A commune read from the stream, with its figures for the round (None: not received)."""

    dept: str
    code: str
    local: str
    name: str
    figures: Figures | None
    # The round before the chosen one, as the file also holds it (a round-2 file holds
    # round 1 per commune): what "the same places" compares with.
    previous: Figures | None = None

    @property
    def race_id(self) -> str:
        """Return the commune's race id: `C` + département + local code (`C075056AR01`)."""
        return f"C{self.dept}{self.local}"


@dataclass(slots=True)
class State:
    """What the stream gathered: communes read, rounds seen, the latest data time."""

    origin: str
    options: Wanted
    communes: list[Commune] = field(default_factory=list)
    rounds: set[int] = field(default_factory=set)
    stamp: datetime | None = None
    strings: dict[str, str] = field(default_factory=dict)
    who: dict[tuple[str | None, ...], tuple[str, str]] = field(default_factory=dict)
    percents: dict[str, float | None] = field(default_factory=dict)
    dept_elem: Element | None = None
    dept: tuple[str, str] = ("", "")

    def intern(self, text: str) -> str:
        """Return one shared copy of a text met many times (candidate names, codes)."""
        return self.strings.setdefault(text, text)

    def stamped(self, stamp: datetime | None) -> None:
        """Keep `stamp` when it is the latest data time seen so far."""
        if stamp is not None and (self.stamp is None or stamp > self.stamp):
            self.stamp = stamp
