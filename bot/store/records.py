"""The records the store reads and writes: subscriptions, deliveries, live boards, races, cycles,
versions set aside."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.events import Event
from bot.models import Race, Snapshot
from bot.render.message import Image, Message


@dataclass(frozen=True, kw_only=True, slots=True)
class Subscription:
    """A chat that receives a race's announcements, in a locale. (Which chats are admin chats
    is the config's to say: bot.audience.AdminChats.)"""

    platform: str
    chat_id: str
    race: str
    locale: str
    active: bool = True


@dataclass(frozen=True, kw_only=True, slots=True)
class Delivery:
    """One message due to one chat; a row of the outbox."""

    id: int = 0
    event_key: str
    platform: str
    chat_id: str
    message: Message
    attempts: int = 0
    recorded_at: datetime | None = None  # when it was queued, as read back (the send latency)


@dataclass(frozen=True, kw_only=True, slots=True)
class LiveBoard:
    """A chat's live scoreboard: the message edited in place, and what it last showed."""

    platform: str
    chat_id: str
    race: str
    locale: str
    message_id: str | None = None  # None until posted (or after it was deleted)
    shown: str | None = None  # fingerprint of the text last posted or edited in
    next_edit: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class StoredRace:
    """The latest version of a race, with its data time and whether it was flagged."""

    race: Race
    updated_at: datetime
    source: str
    flagged: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class StoredVersion:
    """A feed version a source recorded, without its bytes (`raw_version` reads them): what
    `export` writes out, one file each, in the order they were recorded."""

    id: int  # the order of recording, across sources
    source: str
    updated_at: datetime
    fetched_at: datetime
    sha256: str
    size: int  # bytes


@dataclass(frozen=True, kw_only=True, slots=True)
class Cycle:
    """Everything one accepted feed version writes, committed in one transaction."""

    source: str
    snapshot: Snapshot
    raw: bytes
    sha256: str
    fetched_at: datetime
    baseline: Snapshot
    events: Sequence[Event]
    deliveries: Sequence[Delivery]
    flagged_races: frozenset[str]
    images: Sequence[Image] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class RejectedVersion:
    """A feed version set aside: processing it failed again and again (the store was not at
    fault), so its source reads on without it. Kept with its error, for a person to look at."""

    source: str
    sha256: str
    origin: str
    error: str
    attempts: int
    rejected_at: datetime
    raw: bytes = field(repr=False)
