"""Reading a Clarity file: the zip, the XML stream, and the values of attributes and texts."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import IO

from lxml import etree

from bot.formats import numbers, xmlsafe
from bot.formats.errors import FeedError
from bot.formats.numbers import NumberError

MAX_XML_BYTES = 200_000_000  # whatever the source's max_bytes, which bounds it first
UNZIP_CHUNK = 1 << 16  # a zip's member is inflated this much at a time, counted
# Elements in one child of ElectionResult (a Contest: its choices' votes per type and
# place), which lxml holds whole until it ends: a large county's contest has 5,000
# precincts × 10 choices × 4 vote types. 30 bytes of XML each took 600 bytes of memory.
MAX_PART_ELEMENTS = 250_000
MAX_NAME = 200
MAX_COUNT = 10**12 - 1
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
ZONES = {
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
    "HDT": -9,
    "UTC": 0,
    "GMT": 0,
}
_STAMP = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2}):(\d{2}) ?([AP]M) ([A-Z]{2,4})")

Element = etree._Element


# --- bytes to elements ---------------------------------------------------------------------


def xml_of(data: bytes, origin: str, max_bytes: int = MAX_XML_BYTES) -> bytes:
    """Return the detail.xml of a file: the file itself, or the one member of its zip,
    unpacked to at most `max_bytes` (the source's cap, as on the bytes it read)."""
    cap = min(max_bytes, MAX_XML_BYTES)
    xml = _unzip(data, origin, cap) if data.startswith(ZIP_MAGIC) else data
    if len(xml) > cap:
        raise FeedError(origin, "(document)", f"{len(xml)} bytes", _over(cap))
    return xml


def _unzip(data: bytes, origin: str, cap: int) -> bytes:
    """Return detail.xml from a Clarity zip, refusing other members and content past `cap`
    (as stated, or as inflated: a member may understate its size)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if names != ["detail.xml"]:
                raise FeedError(origin, "(zip)", names, "expected exactly one member, detail.xml")
            info = archive.getinfo("detail.xml")
            if info.file_size > cap:
                raise _too_big(origin, f"{info.file_size} bytes", cap)
            with archive.open(info) as member:
                xml = _inflate(member, origin, cap)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, struct.error) as exc:
        # zipfile reports damaged archives with any of these (a bad offset is a ValueError).
        raise FeedError(origin, "(zip)", str(exc), "not a readable zip archive") from exc
    except (RuntimeError, NotImplementedError) as exc:
        raise FeedError(origin, "(zip)/detail.xml", str(exc), "cannot be extracted") from exc
    return xml


def _inflate(member: IO[bytes], origin: str, cap: int) -> bytes:
    """Read a zip member UNZIP_CHUNK at a time, refusing it as soon as it passes `cap`."""
    parts, size = [], 0
    while chunk := member.read(UNZIP_CHUNK):
        size += len(chunk)
        if size > cap:
            raise _too_big(origin, f"more than {cap} bytes", cap)
        parts.append(chunk)
    return b"".join(parts)


def _too_big(origin: str, size: str, cap: int) -> FeedError:
    return FeedError(origin, "(zip)/detail.xml", size, _over(cap) + " once unpacked")


def _over(cap: int) -> str:
    return f"more than {cap} (max_bytes)"


def children(xml: bytes, origin: str) -> Iterator[Element]:
    """Yield each child of ElectionResult once it is complete, then drop it."""
    context = xmlsafe.iterparse(xml, events=("start", "end"))
    depth = inside = 0
    part: Element | None = None  # the child of ElectionResult being read
    try:
        for event, elem in context:
            if event == "start":
                depth += 1
                if depth == 1:
                    _check_root(elem, xml, origin)
                elif depth == 2:
                    part, inside = elem, 0
                else:
                    inside += 1
                    if inside > MAX_PART_ELEMENTS:
                        raise _too_many(elem if part is None else part, origin)
                continue
            depth -= 1
            if depth == 1:
                yield elem
                elem.clear(keep_tail=False)
                parent = elem.getparent()
                if parent is not None:
                    parent.remove(elem)
    except etree.LxmlError as exc:
        line = exc.lineno if isinstance(exc, etree.ParseError) else None
        where = f"(document, line {line})" if line else "(document)"
        raise FeedError(origin, where, str(exc), "invalid XML") from exc


def _too_many(part: Element, origin: str) -> FeedError:
    return FeedError(
        origin, path_of(part), f"more than {MAX_PART_ELEMENTS} elements", "too many to hold"
    )


def _check_root(root: Element, xml: bytes, origin: str) -> None:
    info = root.getroottree().docinfo
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype:
        start = max(xml.find(b"<!DOCTYPE"), 0)
        shown = xml[start : start + 60].decode("utf-8", "replace")
        reason = "a DOCTYPE is refused (entity declarations: entity bombs, external entities)"
        raise FeedError(origin, "(document)/!DOCTYPE", shown, reason)
    if root.tag != "ElectionResult":
        raise FeedError(origin, "(document)", tag_of(root), "expected the root ElectionResult")


# --- reading attributes --------------------------------------------------------------------


def tag_of(elem: Element) -> str:
    """Return an element's tag as text (a comment or entity shows its repr)."""
    tag = elem.tag
    return tag if isinstance(tag, str) else repr(tag)


def path_of(elem: Element, parent: str = "") -> str:
    """Name an element for errors: `Contest[key=4]/Choice[key=1]`."""
    attr = "key" if elem.get("key") else "name" if elem.get("name") else None
    label = f"{tag_of(elem)}[{attr}={elem.get(attr)}]" if attr else tag_of(elem)
    return f"{parent}/{label}" if parent else label


def count_attr(
    elem: Element, where: str, attr: str, origin: str, required: bool = False
) -> int | None:
    """Read a whole-number attribute; None when absent and not required."""
    raw = elem.get(attr)
    try:
        value = None if raw is None else numbers.count(raw, MAX_COUNT)
    except NumberError:
        raise FeedError(origin, f"{where}@{attr}", raw, "expected a whole number") from None
    if value is None and required:
        raise FeedError(origin, f"{where}@{attr}", raw, "missing attribute")
    return value


def text_attr(elem: Element, where: str, attr: str, origin: str) -> str:
    """Return a required, non-empty name attribute of at most MAX_NAME characters."""
    value = (elem.get(attr) or "").strip()
    if not value:
        raise FeedError(origin, f"{where}@{attr}", elem.get(attr), "expected a non-empty name")
    if len(value) > MAX_NAME:
        raise FeedError(origin, f"{where}@{attr}", value, f"longer than {MAX_NAME} characters")
    return value


def timestamp(raw: str | None, origin: str) -> datetime:
    """Parse `11/5/2024 10:42:17 PM EST` into an aware datetime."""
    match = _STAMP.fullmatch((raw or "").strip())
    if match is None:
        raise FeedError(origin, "Timestamp", raw, "expected M/D/YYYY h:mm:ss AM/PM ZONE")
    month, day, year, hour, minute, second = (int(g) for g in match.groups()[:6])
    half, zone = match.group(7), match.group(8)
    if zone not in ZONES:
        raise FeedError(origin, "Timestamp", raw, f"unknown time zone {zone}")
    if not 1 <= hour <= 12:
        raise FeedError(origin, "Timestamp", raw, "hour must be 1–12 with AM/PM")
    hour = hour % 12 + (12 if half == "PM" else 0)
    offset = timezone(timedelta(hours=ZONES[zone]), zone) if ZONES[zone] else UTC
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=offset)
    except ValueError as exc:
        raise FeedError(origin, "Timestamp", raw, f"not a date ({exc})") from exc
