"""Reading a Ministry file: the XML stream, element paths for errors, texts, numbers, flags, times.

The stream refuses any DOCTYPE (entity bombs, external entities) and turns lxml's errors into
FeedErrors naming the element that was open; every reader here raises a FeedError naming
the element's path (`Election/Tours/Tour[NumTour=2]/Mentions/Votants/Nombre`) and the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from lxml import etree

from bot.formats import numbers, xmlsafe
from bot.formats.errors import FeedError
from bot.formats.ministry.state import Element, State
from bot.formats.numbers import NumberError

PARIS = ZoneInfo("Europe/Paris")
MAX_NAME = 200
MAX_DIGITS = 15
MAX_COUNT = 10**MAX_DIGITS - 1

_DATE = re.compile(r"([0-9]{2})[-/]([0-9]{2})[-/]([0-9]{4})")
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?")
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DOCTYPE = re.compile(rb"(?:\s|<\?(?:[^?]|\?(?!>))*\?>|<!--(?:[^-]|-(?!->))*-->)*<!DOCTYPE")
_PROLOG = 65_536  # bytes searched for a DOCTYPE before parsing; lxml's own check follows
_TAG = re.compile(r"<(/?)([A-Za-z_][\w.\-]*)[^<>]*?(/?)>")
_YES = {"O": True, "OUI": True, "N": False, "NON": False}
_KEYS: dict[str, tuple[str, ...]] = {
    "Tour": ("NumTour",),
    "Commune": ("CodSubCom", "CodCom"),
    "Candidat": ("NumPanneauCand",),
    "Liste": ("NumPanneauListe",),
}


# ---------------------------------------------------------------- streaming


def stream(data: bytes, origin: str, on_commune: Callable[[Element], object]) -> Element:
    """Hand every Commune to `on_commune` as it ends, then drop it; return the rest of the tree.

    So a 35,000-commune file never builds its full tree: what remains is the (small) tree
    of the places above the communes."""
    if _DOCTYPE.match(data[:_PROLOG].removeprefix(b"\xef\xbb\xbf")):
        raise _doctype_refused(origin, "<!DOCTYPE ...>")
    context = xmlsafe.iterparse(data, events=("end",), tag=("Commune",))
    checked = False
    try:
        for _, elem in context:
            if not checked:
                _check_document(elem.getroottree(), origin)
                checked = True
            on_commune(elem)
            _drop(elem)
    except etree.LxmlError as exc:
        raise _syntax_error(data, origin, exc) from exc
    root: Element | None = context.root
    if root is None:
        raise FeedError(origin, "(document)", None, "no XML element found")
    _check_document(root.getroottree(), origin)
    return root


def _drop(elem: Element) -> None:
    parent = elem.getparent()
    elem.clear(keep_tail=False)
    if parent is not None:
        parent.remove(elem)


def _check_document(tree: etree._ElementTree, origin: str) -> None:
    """Refuse any DOCTYPE (entity bombs, external entities) and a root other than Election."""
    info = tree.docinfo
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype:
        raise _doctype_refused(origin, info.doctype or "<!DOCTYPE>")
    root = tree.getroot()
    if root.tag != "Election":
        raise FeedError(origin, "(document)", str(root.tag), "expected the root element Election")


def _doctype_refused(origin: str, doctype: str) -> FeedError:
    return FeedError(
        origin,
        "(document)/!DOCTYPE",
        doctype,
        "a DOCTYPE is refused: entity declarations (entity bombs, external entities) "
        "are not allowed in a results file",
    )


def _syntax_error(data: bytes, origin: str, exc: etree.LxmlError) -> FeedError:
    """Turn lxml's error into a FeedError naming the element that was open where it failed."""
    match = _ENCODING.match(data[:300])
    encoding = match.group(1).decode("ascii") if match else "utf-8"
    try:
        text = data.decode(encoding)
    except LookupError:
        return FeedError(origin, "(document)", encoding, "unknown encoding declared")
    except UnicodeDecodeError as bad:
        opened = _open_path(data[: bad.start].decode(encoding, errors="replace"))
        return FeedError(
            origin,
            opened,
            data[bad.start : bad.start + 8],
            f"bytes not valid in the declared encoding {encoding}",
        )
    # Only a parse error knows where it failed.
    line, column = (exc.position or (0, 0)) if isinstance(exc, etree.ParseError) else (0, 0)
    at = _offset(text, line, column) if line else len(text)
    return FeedError(
        origin, _open_path(text[:at]), text[max(0, at - 40) : at], f"invalid XML: {exc}"
    )


def _offset(text: str, line: int, column: int) -> int:
    """Return the index in `text` of a 1-based line and column."""
    start = 0
    for _ in range(line - 1):
        found = text.find("\n", start)
        if found < 0:
            return len(text)
        start = found + 1
    return min(len(text), start + max(column - 1, 0))


def _open_path(text: str) -> str:
    """Return the path of the elements still open at the end of `text` (error reports only)."""
    stack: list[tuple[str, int]] = []
    for m in _TAG.finditer(text):
        if m.group(1):
            if stack and stack[-1][0] == m.group(2):
                stack.pop()
        elif not m.group(3):
            stack.append((m.group(2), m.end()))
    if not stack:
        return "(document)"
    return "/".join(_open_label(text, tag, pos) for tag, pos in stack)


def _open_label(text: str, tag: str, pos: int) -> str:
    for key in _KEYS.get(tag, ()):
        m = re.compile(rf"<{key}>\s*([^<\s]+)").search(text, pos)
        if m:
            return f"{tag}[{key}={m.group(1)}]"
    return tag


# ---------------------------------------------------------------- element access


def path_of(elem: Element) -> str:
    """Return an element's path, with keys: `Election/Tours/Tour[NumTour=2]/Mentions`."""
    parts: list[str] = []
    node: Element | None = elem
    while node is not None:
        parts.append(_label(node))
        node = node.getparent()
    return "/".join(reversed(parts))


def _label(node: Element) -> str:
    tag = str(node.tag)
    for key in _KEYS.get(tag, ()):
        value = node.findtext(key)
        if value is not None and value.strip():
            return f"{tag}[{key}={value.strip()}]"
    return tag


def missing(state: State, parent: Element, tag: str) -> FeedError:
    """Return the FeedError for a required child element that is absent."""
    return FeedError(state.origin, f"{path_of(parent)}/{tag}", None, "missing required element")


def required_child(state: State, parent: Element, tag: str) -> Element:
    """Return a required child element, or raise naming its path."""
    found = parent.find(tag)
    if found is None:
        raise missing(state, parent, tag)
    return found


def child_text(elem: Element, *tags: str) -> str | None:
    """Return the stripped text of the first of these children present, else None."""
    for tag in tags:
        value = elem.findtext(tag)
        if value is not None:
            return value.strip()
    return None


def required_text(state: State, elem: Element, *tags: str) -> str:
    """Return the text of the first of these children, or raise when empty."""
    value = child_text(elem, *tags)
    if not value:
        raise FeedError(
            state.origin, f"{path_of(elem)}/{tags[0]}", value, "missing required element"
        )
    return checked_name(state, elem, tags[0], value)


def checked_name(state: State, elem: Element, tag: str, value: str) -> str:
    """Return a name no longer than MAX_NAME, interned, or raise naming it."""
    if len(value) > MAX_NAME:
        raise FeedError(
            state.origin, f"{path_of(elem)}/{tag}", value, f"longer than {MAX_NAME} characters"
        )
    return state.intern(value)


# ---------------------------------------------------------------- numbers, flags, times


def whole(state: State, raw: str | None, parent: Element, tag: str) -> int:
    """Read a count: digits, with any spaces (incl. no-break ones) ignored."""
    if raw is not None and raw.isdigit() and raw.isascii() and len(raw) <= MAX_DIGITS:
        return int(raw)  # the usual form, read here: this runs for every figure of the file
    try:
        value = numbers.count(raw or "", MAX_COUNT)
    except NumberError as exc:
        reason = "number too large" if exc.too_large else "expected a whole number"
        raise FeedError(state.origin, f"{path_of(parent)}/{tag}", raw, reason) from None
    if value is None:
        raise FeedError(state.origin, f"{path_of(parent)}/{tag}", raw, "expected a whole number")
    return value


def percent(state: State, raw: str | None, parent: Element, tag: str) -> float | None:
    """Read a published percentage: `"  40,12"`, `"47,70 %"`; None when empty."""
    if raw is None:
        return None
    if raw in state.percents:
        return state.percents[raw]
    share = state.percents[raw] = _read_percent(state, raw, parent, tag)
    return share


def _read_percent(state: State, raw: str, parent: Element, tag: str) -> float | None:
    try:
        return numbers.percent(raw)
    except NumberError as exc:
        reason = "more than 100 %" if exc.too_large else "expected a percentage like 40,12"
        raise FeedError(state.origin, f"{path_of(parent)}/{tag}", raw, reason) from None


def read_flag(state: State, elem: Element, tag: str) -> bool | None:
    """Read an O/N (2017) or OUI/NON (2024+) flag; None when absent."""
    raw = elem.findtext(tag)
    if raw is None or not raw.strip():
        return None
    value = _YES.get(raw.strip().upper())
    if value is None:
        raise FeedError(state.origin, f"{path_of(elem)}/{tag}", raw, "expected O/N or OUI/NON")
    return value


def read_stamp(state: State, holder: Element) -> datetime | None:
    """Read DateDerMaj + HeureDerMaj (Paris wall-clock time) of an element, if it has them."""
    date_raw = holder.findtext("DateDerMaj")
    if date_raw is None:
        return None
    time_raw = holder.findtext("HeureDerMaj")
    if time_raw is None:
        raise missing(state, holder, "HeureDerMaj")
    date = _DATE.fullmatch(date_raw.strip())
    if date is None:
        raise FeedError(
            state.origin, f"{path_of(holder)}/DateDerMaj", date_raw, "expected DD-MM-YYYY"
        )
    time = _TIME.fullmatch(time_raw.strip())
    if time is None:
        raise FeedError(
            state.origin, f"{path_of(holder)}/HeureDerMaj", time_raw, "expected HH:MM:SS"
        )
    day, month, year = (int(x) for x in date.groups())
    hour, minute, second = int(time.group(1)), int(time.group(2)), int(time.group(3) or 0)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=PARIS)
    except ValueError as exc:
        where = f"{path_of(holder)}/DateDerMaj"
        raise FeedError(state.origin, where, f"{date_raw} {time_raw}", str(exc)) from exc
