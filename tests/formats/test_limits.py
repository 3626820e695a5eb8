"""A source's limits at the parse: a data time must exist in UTC and not lie more than
`max_future` past the fetch; the registry checks them for every format, naming its field."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.formats.errors import FeedError
from bot.formats.limits import DEFAULT_LIMITS, Limits, checked_time
from bot.formats.registry import parse
from tests.builders import feed_doc
from tests.formats.clarity.support import XML

FETCHED = datetime(2017, 1, 29, 20, tzinfo=UTC)


def test_a_data_time_up_to_the_margin_passes() -> None:
    assert DEFAULT_LIMITS.max_future == 86_400
    stamp = FETCHED + timedelta(days=1)
    assert checked_time(stamp, FETCHED, DEFAULT_LIMITS, "o", "updated_at") is stamp
    past = datetime(1, 1, 1, tzinfo=UTC)  # long ago is not this check's business
    assert checked_time(past, FETCHED, DEFAULT_LIMITS, "o", "updated_at") is past


def test_a_data_time_past_the_margin_is_refused_naming_field_and_value() -> None:
    stamp = FETCHED + timedelta(days=1, seconds=1)
    with pytest.raises(FeedError) as info:
        checked_time(stamp, FETCHED, DEFAULT_LIMITS, "feed.json", "updated_at")
    assert str(info.value) == (
        "feed.json: updated_at = '2017-01-30T20:00:01+00:00': more than 86400 s ahead of the "
        "fetch time (2017-01-29T20:00:00+00:00; max_future)"
    )
    tight = Limits(max_future=60)
    with pytest.raises(FeedError, match="more than 60 s ahead"):
        checked_time(FETCHED + timedelta(minutes=2), FETCHED, tight, "o", "updated_at")


def test_a_data_time_with_no_utc_equivalent_is_refused() -> None:
    stamp = datetime.fromisoformat("9999-12-31T23:59:59-23:59")
    with pytest.raises(FeedError) as info:
        checked_time(stamp, FETCHED, DEFAULT_LIMITS, "o", "updated_at")
    assert str(info.value) == (
        "o: updated_at = '9999-12-31T23:59:59-23:59': out of range once in UTC"
    )
    early = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=2)))
    with pytest.raises(FeedError, match="out of range once in UTC"):
        checked_time(early, FETCHED, DEFAULT_LIMITS, "o", "updated_at")


def test_the_registry_checks_every_format_naming_its_field() -> None:
    doc = feed_doc(10, {"a": 1, "b": 2}, counted=1)
    doc["updated_at"] = "9999-12-31T23:00+02:00"
    with pytest.raises(FeedError, match=r"^o: updated_at = '9999-12-31T23:00:00\+02:00'"):
        parse("canonical-json", json.dumps(doc).encode(), "o", {}, FETCHED)
    # Clarity's fixture is dated 2024-11-05: seven years past this fetch.
    with pytest.raises(FeedError, match=r"^o: ElectionResult/Timestamp = '2024-11-05T22:42:17"):
        parse("clarity-xml", XML, "o", {}, FETCHED)


def test_the_registry_refuses_a_version_over_the_size_cap() -> None:
    data = json.dumps(feed_doc(10, {"a": 1, "b": 2}, counted=1)).encode()
    with pytest.raises(FeedError, match=rf"^o: \(document\) = '{len(data)} bytes': more than 99"):
        parse("canonical-json", data, "o", {}, FETCHED, Limits(max_bytes=99))
    assert parse("canonical-json", data, "o", {}, FETCHED, Limits(max_bytes=len(data)))
