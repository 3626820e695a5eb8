"""What the Ministry parser's tests share: the fixtures, and parse or reject one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.formats.errors import FeedError
from bot.formats.ministry import parse
from bot.models import Race, Snapshot

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "fr_interior"
PARIS = ZoneInfo("Europe/Paris")
FETCHED = datetime(2017, 5, 7, 18, 30, tzinfo=UTC)
REPLAY = [FIXTURES / f"02Acom_T2_v{i}.xml" for i in range(1, 5)]


def fixture(name: str) -> bytes:
    """Return a fixture file's bytes."""
    return (FIXTURES / name).read_bytes()


def read(name: str, **options: object) -> Snapshot:
    """Parse a fixture file with these options, fetched at FETCHED."""
    return parse(fixture(name), name, options, FETCHED)


def race(snap: Snapshot, race_id: str) -> Race:
    """Return a race of the snapshot, failing with the ids it has."""
    found = snap.race(race_id)
    assert found is not None, [r.id for r in snap.races]
    return found


def reject(data: bytes, origin: str = "resultatsT2/FE.xml", **options: object) -> FeedError:
    """Return the FeedError the parse of `data` raises, checking that it names `origin`."""
    with pytest.raises(FeedError) as caught:
        parse(data, origin, options, FETCHED)
    assert str(caught.value).startswith(f"{origin}: ")
    return caught.value
