"""Reading a Clarity file: the zip and its bombs, the XML and its entities, the timestamp."""

from __future__ import annotations

import io
import struct
import zipfile
from datetime import UTC, datetime

import pytest

from bot.formats.clarity import contests, document, parse, races
from bot.formats.errors import FeedError
from bot.formats.limits import Limits
from tests.formats.clarity.support import (
    FETCHED,
    ORIGIN,
    XML,
    ZIP,
    changed,
    read,
    reject,
    zipped,
)


def test_the_zip_parses_like_the_plain_xml() -> None:
    assert ZIP.startswith(b"PK\x03\x04")
    with zipfile.ZipFile(io.BytesIO(ZIP)) as archive:
        assert archive.namelist() == ["detail.xml"]
        assert archive.read("detail.xml") == XML

    assert read(ZIP) == read(XML)
    assert read(ZIP, breakdown=True) == read(XML, breakdown=True)


def test_utf16_with_a_byte_order_mark_is_read_as_xml() -> None:
    assert read(XML.decode("utf-8").encode("utf-16")) == read(XML)


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("11/5/2024 10:42:17 PM EST", datetime(2024, 11, 6, 3, 42, 17, tzinfo=UTC)),
        ("5/20/2014 8:19:21 PM EDT", datetime(2014, 5, 21, 0, 19, 21, tzinfo=UTC)),
        ("11/5/2024 9:00:00 PM CST", datetime(2024, 11, 6, 3, 0, tzinfo=UTC)),
        ("11/5/2024 7:00:00 PM MST", datetime(2024, 11, 6, 2, 0, tzinfo=UTC)),
        ("6/7/2022 11:59:59 PM PDT", datetime(2022, 6, 8, 6, 59, 59, tzinfo=UTC)),
        ("11/5/2024 12:05:00 AM AKST", datetime(2024, 11, 5, 9, 5, tzinfo=UTC)),
        ("11/5/2024 12:05:00 PM HST", datetime(2024, 11, 5, 22, 5, tzinfo=UTC)),
        ("11/5/2024 1:00:00 AM UTC", datetime(2024, 11, 5, 1, 0, tzinfo=UTC)),
    ],
)
def test_timestamps_with_us_zone_abbreviations(stamp: str, expected: datetime) -> None:
    data = changed("11/5/2024 10:42:17 PM EST", stamp)

    assert read(data).updated_at == expected


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        ("11/5/2024 10:42:17 PM XST", "unknown time zone"),
        ("2024-11-05T22:42:17-05:00", "expected M/D/YYYY"),
        ("13/5/2024 10:42:17 PM EST", "not a date"),
        ("11/5/2024 22:42:17 PM EST", "hour"),
        ("", "expected M/D/YYYY"),
    ],
)
def test_a_bad_timestamp_is_rejected(stamp: str, reason: str) -> None:
    err = reject(changed("11/5/2024 10:42:17 PM EST", stamp))

    assert err.field == "Timestamp"
    assert err.value == (stamp or None)
    assert reason in err.reason


@pytest.mark.parametrize(
    ("data", "field", "reason"),
    [
        (XML[: len(XML) // 2], "(document, line", "invalid XML"),
        (b"", "(document", "invalid XML"),
        (b'<?xml version="1.0"?>\n<Results/>', "(document)", "expected the root ElectionResult"),
        (
            XML.replace(b"<Contest", b"<Race").replace(b"</Contest>", b"</Race>"),
            "ElectionResult/Contest",
            "no contest",
        ),
    ],
)
def test_unreadable_documents_are_rejected(data: bytes, field: str, reason: str) -> None:
    err = reject(data)

    assert err.field.startswith(field)
    assert reason in err.reason


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE ElectionResult [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ElectionResult><ElectionName>&lol9;</ElectionName></ElectionResult>
"""


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        XML.replace(
            b"<ElectionResult>",
            b'<!DOCTYPE ElectionResult [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            b"<ElectionResult>",
        ).replace(b"<Region>Greenup</Region>", b"<Region>&x;</Region>"),
        XML.replace(
            b"<ElectionResult>",
            b'<!DOCTYPE ElectionResult SYSTEM "http://x/e.dtd">\n<ElectionResult>',
        ),
    ],
    ids=["billion-laughs", "external-entity", "external-dtd"],
)
def test_entity_bombs_and_doctypes_are_refused(data: bytes) -> None:
    err = reject(data)
    assert err.field == "(document)/!DOCTYPE"
    assert str(err.value).startswith("<!DOCTYPE ElectionResult")

    err = reject(zipped({"detail.xml": data}))
    assert err.field == "(document)/!DOCTYPE"


@pytest.mark.parametrize(
    ("members", "value"),
    [
        ({"detail.xml": XML, "summary.csv": b"x"}, ["detail.xml", "summary.csv"]),
        ({"Detail.XML": XML}, ["Detail.XML"]),
        ({}, []),
    ],
)
def test_a_zip_must_hold_exactly_detail_xml(members: dict[str, bytes], value: list[str]) -> None:
    err = reject(zipped(members))

    assert (err.field, err.value) == ("(zip)", value)
    assert "detail.xml" in err.reason


def test_a_truncated_zip_is_rejected() -> None:
    err = reject(ZIP[: len(ZIP) // 2])

    assert err.field == "(zip)"
    assert "zip" in err.reason


def test_a_zip_bomb_is_refused_before_it_is_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "MAX_XML_BYTES", 100_000)
    bomb = zipped({"detail.xml": XML + b" " * 200_000})
    assert len(bomb) < 10_000

    err = reject(bomb)

    assert err.field == "(zip)/detail.xml"
    assert err.value == f"{len(XML) + 200_000} bytes"
    assert "more than 100000" in err.reason


def test_a_zip_that_understates_its_size_is_cut_at_the_stated_size() -> None:
    content = XML + b" " * 50_000
    data = bytearray(zipped({"detail.xml": content}))
    stated = struct.pack("<I", len(XML))
    local = data.find(b"PK\x03\x04")
    data[local + 22 : local + 26] = stated
    central = data.find(b"PK\x01\x02")
    data[central + 24 : central + 28] = stated

    err = reject(bytes(data))

    assert err.field == "(zip)"
    assert "CRC" in str(err.value)


def test_plain_xml_over_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "MAX_XML_BYTES", 1_000)

    err = reject(XML)

    assert (err.field, err.value) == ("(document)", f"{len(XML)} bytes")


def test_a_zip_is_unpacked_to_the_sources_max_bytes_at_most() -> None:
    bomb = zipped({"detail.xml": XML + b" " * 200_000})
    with pytest.raises(FeedError) as info:
        parse(bomb, ORIGIN, {}, FETCHED, Limits(max_bytes=100_000))
    err = info.value
    assert (err.field, err.value) == ("(zip)/detail.xml", f"{len(XML) + 200_000} bytes")
    assert err.reason == "more than 100000 (max_bytes) once unpacked"
    assert parse(bomb, ORIGIN, {}, FETCHED, Limits(max_bytes=300_000)) == read(XML)


def test_a_member_is_inflated_a_chunk_at_a_time_and_refused_past_the_cap() -> None:
    # zipfile cuts a member at its stated size, checked first; this counts what comes anyway.
    endless = io.BytesIO(b"<" * (3 * document.UNZIP_CHUNK))
    with pytest.raises(FeedError, match="more than 100000 bytes"):
        document._inflate(endless, ORIGIN, 100_000)
    assert endless.tell() <= 100_000 + document.UNZIP_CHUNK  # no further than a chunk past


def test_a_contest_of_too_many_elements_is_refused_while_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(document, "MAX_PART_ELEMENTS", 20)
    err = reject(XML)
    assert err.field.startswith("Contest[key=")
    assert (err.value, err.reason) == ("more than 20 elements", "too many to hold")


def test_too_many_places_or_candidates_in_all_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(contests, "MAX_PLACES", 1)
    err = reject(XML)
    assert "places" in str(err.value)
    assert err.reason.startswith("too many")
    monkeypatch.undo()
    monkeypatch.setattr(races, "MAX_ENTRIES", 3)
    err = reject(XML, breakdown=True)
    assert err.reason.endswith("or 3 candidates in all")
