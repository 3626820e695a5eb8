"""Parser for the French Interior Ministry's results XML (`fr-interior-xml`), both dialects.

Pure: bytes in, a validated Snapshot out, or a FeedError naming the file, the element and
the value. No I/O.

**Dialects.** The 2017–2022 files (`RapportExprime`, `CodSubCom`/`LibSubCom`, flags `O`/`N`,
dates `DD-MM-YYYY`) and the 2024+ files (`RapportExprimes`, `CodCom`/`LibCom`, an
`EnsembleGeo` wrapper, `PourcentageBureauxDeVoteSaisis`, flags `OUI`/`NON`, dates
`DD/MM/YYYY`) are read by the same code: places are found wherever they sit under `Election`.

**Races.** Every place that carries its own `Tours` becomes a race, and so does a département
whose file lists its communes (`Departement/Communes/Commune`, the `{dep}com.xml` files):

| place | id | level | code | name |
|---|---|---|---|---|
| `Election/Tours`, `Election/EnsembleGeo/Tours` | `FE` | `national` | `FE` | France entière |
| `Region` | `R{CodReg3Car}` (`R011`) | `région` | `011` | `LibReg` |
| `Departement` | `D{CodDpt3Car}` (`D075`, `D02A`) | `département` | `075` | `LibDpt` |
| `Commune` | `C{dept}{commune}` (`C075056AR01`) | `commune` | `056AR01` | `LibSubCom`/`LibCom` |

Codes stay strings. Without `CodDpt3Car` (2024+), the 3-character code is `CodDpt` padded
with zeros when it starts with a digit (`75` → `075`, `2A` → `02A`; `ZA`, `971` unchanged).
A 2024+ `CodCom` that is a 5-character INSEE code starting with `CodDpt` (`75056`, `2A004`)
loses that prefix in the race id, so that both dialects give `C075056`, `C02A004`.

A département file that lists communes but has no `Tours` of its own gets its figures summed
from the communes that have results for the round; an arrondissement (`056AR01`) is left out
of the sum when its commune (`056`) is in the file, since the commune already holds it.

**Round.** Chosen by `NumTour`, never by position (a round-2 file also holds round 1): the
`round` option, else the highest `NumTour` in the file. On a round-2 night, set `round = 2`:
until the first round-2 figures arrive, a file holds only round 1. A place without a `Tour`
of the chosen round is a race without results.

**Figures.** Counts (`Nombre`, `NbVoix`) are whole numbers: `Inscrits` → registered,
`Votants` → voters, `Blancs` → blank, `Nuls` → null, `Exprimes` → valid (Blancs and Nuls may be
absent; the others are required). The published percentage `RapportExprime(s)` (decimal
comma, padded with spaces, `\\u00a0` or `\\u202f`: `"  40,12"`) is kept only as a cross-check
(`Candidate.published_share`); shares are recomputed from the votes. A candidate's id is its
`NumPanneauCand` (ballot-board number, stable across rounds), else a slug of its name; its
name is `PrenomPsn NomPsn`. List elections (`Listes/Liste`) read `NumPanneauListe`,
`NomListe` (else `PrenomTeteListe NomTeteListe`).

**Progress (units).** The Ministry publishes no count of polling stations for 2017–2022.
- With `PourcentageBureauxDeVoteSaisis` on the place (2024+, share of polling stations
  entered), units are that percentage scaled to ten thousandths: counted = round(pct × 100),
  total = 10000 (`"62,50"` → 6250/10000).
- Otherwise a département that lists its communes counts **communes received out of the
  communes listed in the file**: a commune is received when it has a `Tour` of the chosen
  round with figures and its `ResultatsParvenus` (when present) is not `N`/`NON`. This proxy
  assumes the file lists every commune, those not yet received included.
- A commune is 1/1 when it has results for the round, 0/1 otherwise.
- Any other place (France entière, a région, a département file without communes) has
  counted = 0 and no total: progress unknown. `Complet` = `O`/`OUI` marks a place final.

**Data time.** `updated_at` is the latest `DateDerMaj` + `HeureDerMaj` found anywhere in the
file, read as Europe/Paris wall-clock time. Results files often carry none; then the fetch
time the caller passes (`fetched_at`) is used.

**Safety.** lxml parses with entities unresolved, no network and no huge-tree mode, and any
DOCTYPE is refused: an entity bomb or an external entity is rejected, never expanded.
Truncated XML, bytes invalid in the declared encoding, a missing required element and a
number that does not parse each raise FeedError with the element's path
(`Election/Tours/Tour[NumTour=2]/Mentions/Votants/Nombre`).

**Streaming.** `Commune` elements are read with `lxml.etree.iterparse` and removed from the
tree once read, so a 35,000-commune file never builds its full tree.

Options: `round` (whole number), `communes` (list of commune codes to keep as races, matched
against the code as published, `056AR01`, the code prefixed with the département's,
`075056AR01`, or the race id; default: every commune).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

from bot.formats import numbers, xmlsafe
from bot.formats.errors import FeedError
from bot.formats.numbers import NumberError
from bot.formats.slug import slug
from bot.models import Candidate, Race, Snapshot, Turnout, Units, with_computed_shares

FORMAT = "fr-interior-xml"
PARIS = ZoneInfo("Europe/Paris")
MAX_NAME = 200
MAX_CANDIDATES = 1000
MAX_DIGITS = 15
MAX_COUNT = 10**MAX_DIGITS - 1
PCT_SCALE = 100

Element = etree._Element

_DATE = re.compile(r"([0-9]{2})[-/]([0-9]{2})[-/]([0-9]{4})")
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?")
_ARRONDISSEMENT = re.compile(r"(.+?)AR[0-9]+")
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
_LEVELS = {
    "Election": "national",
    "EnsembleGeo": "national",
    "Region": "région",
    "Departement": "département",
}


@dataclass(frozen=True, slots=True)
class _Options:
    round: int | None
    communes: frozenset[str] | None


@dataclass(frozen=True, slots=True)
class _Figures:
    """One round's published figures at one place."""

    round: int
    turnout: Turnout
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class _Commune:
    dept: str
    code: str
    local: str
    name: str
    figures: _Figures | None

    @property
    def race_id(self) -> str:
        return f"C{self.dept}{self.local}"


@dataclass(slots=True)
class _State:
    """What the stream gathered: communes read, rounds seen, the latest data time."""

    origin: str
    options: _Options
    communes: list[_Commune] = field(default_factory=list)
    rounds: set[int] = field(default_factory=set)
    stamp: datetime | None = None
    strings: dict[str, str] = field(default_factory=dict)
    who: dict[tuple[str | None, ...], tuple[str, str]] = field(default_factory=dict)
    percents: dict[str, float | None] = field(default_factory=dict)
    dept_elem: Element | None = None
    dept: tuple[str, str] = ("", "")

    def intern(self, text: str) -> str:
        return self.strings.setdefault(text, text)

    def stamped(self, stamp: datetime | None) -> None:
        if stamp is not None and (self.stamp is None or stamp > self.stamp):
            self.stamp = stamp


# ---------------------------------------------------------------- public interface


def check_options(options: Mapping[str, Any]) -> list[str]:
    """Return the errors in this format's options (`round`, `communes`), empty when valid."""
    errors: list[str] = []
    for key, value in options.items():
        if key == "round":
            errors.extend(_check_round(value))
        elif key == "communes":
            errors.extend(_check_communes(value))
        else:
            errors.append(f"{key}: unknown option (this format takes round, communes)")
    return errors


def parse(data: bytes, origin: str, options: Mapping[str, Any], fetched_at: datetime) -> Snapshot:
    """Parse a Ministry results file into a Snapshot, or raise FeedError."""
    errors = check_options(options)
    if errors:
        raise FeedError(origin, "(options)", dict(options), errors[0])
    state = _State(origin=origin, options=_read_options(options))
    root = _stream(data, state)
    return _snapshot(root, state, fetched_at)


# ---------------------------------------------------------------- options


def _check_round(value: Any) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int):
        return [f"round: expected a whole number, not {value!r}"]
    if value < 1:
        return [f"round: expected 1 or more, not {value!r}"]
    return []


def _check_communes(value: Any) -> list[str]:
    if not isinstance(value, list | tuple):
        return [f"communes: expected a list of commune codes, not {value!r}"]
    return [
        f'communes[{i}]: expected a commune code as a string (e.g. "056AR01"), not {code!r}'
        for i, code in enumerate(value)
        if not isinstance(code, str) or not code.strip()
    ]


def _read_options(options: Mapping[str, Any]) -> _Options:
    communes = options.get("communes")
    return _Options(
        round=options.get("round"),
        communes=None if communes is None else frozenset(c.strip() for c in communes),
    )


# ---------------------------------------------------------------- streaming


def _stream(data: bytes, state: _State) -> Element:
    """Read every Commune as it ends, then drop it; return the (small) rest of the tree."""
    if _DOCTYPE.match(data[:_PROLOG].removeprefix(b"\xef\xbb\xbf")):
        raise _doctype_refused(state.origin, "<!DOCTYPE ...>")
    context = xmlsafe.iterparse(data, events=("end",), tag=("Commune",))
    checked = False
    try:
        for _, elem in context:
            if not checked:
                _check_document(elem.getroottree(), state.origin)
                checked = True
            state.communes.append(_commune(elem, state))
            _drop(elem)
    except etree.LxmlError as exc:
        raise _syntax_error(data, state.origin, exc) from exc
    root: Element | None = context.root
    if root is None:
        raise FeedError(state.origin, "(document)", None, "no XML element found")
    _check_document(root.getroottree(), state.origin)
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
    line, column = getattr(exc, "position", (0, 0)) or (0, 0)
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


def _where(elem: Element) -> str:
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


def _missing(state: _State, parent: Element, tag: str) -> FeedError:
    return FeedError(state.origin, f"{_where(parent)}/{tag}", None, "missing required element")


def _child(state: _State, parent: Element, tag: str) -> Element:
    found = parent.find(tag)
    if found is None:
        raise _missing(state, parent, tag)
    return found


def _text(elem: Element, *tags: str) -> str | None:
    """Return the stripped text of the first of these children present, else None."""
    for tag in tags:
        value = elem.findtext(tag)
        if value is not None:
            return value.strip()
    return None


def _required_text(state: _State, elem: Element, *tags: str) -> str:
    value = _text(elem, *tags)
    if not value:
        raise FeedError(
            state.origin, f"{_where(elem)}/{tags[0]}", value, "missing required element"
        )
    return _name(state, elem, tags[0], value)


def _name(state: _State, elem: Element, tag: str, value: str) -> str:
    if len(value) > MAX_NAME:
        raise FeedError(
            state.origin, f"{_where(elem)}/{tag}", value, f"longer than {MAX_NAME} characters"
        )
    return state.intern(value)


def _whole(state: _State, raw: str | None, parent: Element, tag: str) -> int:
    """Read a count: digits, with any spaces (incl. no-break ones) ignored."""
    if raw is not None and raw.isdigit() and raw.isascii() and len(raw) <= MAX_DIGITS:
        return int(raw)  # the usual form, read here: this runs for every figure of the file
    try:
        value = numbers.count(raw or "", MAX_COUNT)
    except NumberError as exc:
        reason = "number too large" if exc.too_large else "expected a whole number"
        raise FeedError(state.origin, f"{_where(parent)}/{tag}", raw, reason) from None
    if value is None:
        raise FeedError(state.origin, f"{_where(parent)}/{tag}", raw, "expected a whole number")
    return value


def _percent(state: _State, raw: str | None, parent: Element, tag: str) -> float | None:
    """Read a published percentage: `"  40,12"`, `"47,70 %"`; None when empty."""
    if raw is None:
        return None
    if raw in state.percents:
        return state.percents[raw]
    share = state.percents[raw] = _read_percent(state, raw, parent, tag)
    return share


def _read_percent(state: _State, raw: str, parent: Element, tag: str) -> float | None:
    try:
        return numbers.percent(raw)
    except NumberError as exc:
        reason = "more than 100 %" if exc.too_large else "expected a percentage like 40,12"
        raise FeedError(state.origin, f"{_where(parent)}/{tag}", raw, reason) from None


def _flag(state: _State, elem: Element, tag: str) -> bool | None:
    """Read an O/N (2017) or OUI/NON (2024+) flag; None when absent."""
    raw = elem.findtext(tag)
    if raw is None or not raw.strip():
        return None
    value = _YES.get(raw.strip().upper())
    if value is None:
        raise FeedError(state.origin, f"{_where(elem)}/{tag}", raw, "expected O/N or OUI/NON")
    return value


def _stamp(state: _State, holder: Element) -> datetime | None:
    """Read DateDerMaj + HeureDerMaj (Paris wall-clock time) of an element, if it has them."""
    date_raw = holder.findtext("DateDerMaj")
    if date_raw is None:
        return None
    time_raw = holder.findtext("HeureDerMaj")
    if time_raw is None:
        raise _missing(state, holder, "HeureDerMaj")
    date = _DATE.fullmatch(date_raw.strip())
    if date is None:
        raise FeedError(
            state.origin, f"{_where(holder)}/DateDerMaj", date_raw, "expected DD-MM-YYYY"
        )
    time = _TIME.fullmatch(time_raw.strip())
    if time is None:
        raise FeedError(
            state.origin, f"{_where(holder)}/HeureDerMaj", time_raw, "expected HH:MM:SS"
        )
    day, month, year = (int(x) for x in date.groups())
    hour, minute, second = int(time.group(1)), int(time.group(2)), int(time.group(3) or 0)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=PARIS)
    except ValueError as exc:
        where = f"{_where(holder)}/DateDerMaj"
        raise FeedError(state.origin, where, f"{date_raw} {time_raw}", str(exc)) from exc


# ---------------------------------------------------------------- rounds and figures


def _num_tour(state: _State, tour: Element) -> int:
    raw = tour.findtext("NumTour")
    if raw is None:
        raise _missing(state, tour, "NumTour")
    number = _whole(state, raw, tour, "NumTour")
    state.rounds.add(number)
    return number


def _pick_tour(state: _State, tours: Element | None) -> tuple[int, Element] | None:
    """Return the Tour of the chosen round (else the highest one), with its number."""
    if tours is None:
        return None
    wanted = state.options.round
    best: tuple[int, Element] | None = None
    for tour in tours.iterchildren("Tour"):
        number = _num_tour(state, tour)
        better = number == wanted if wanted is not None else best is None or number > best[0]
        if better:
            best = (number, tour)
    return best


def _figures(state: _State, number: int, tour: Element) -> _Figures:
    mentions = _child(state, tour, "Mentions")
    turnout = Turnout(
        registered=_mention(state, mentions, "Inscrits", required=True),
        voters=_mention(state, mentions, "Votants", required=True),
        blank=_mention(state, mentions, "Blancs", required=False),
        null=_mention(state, mentions, "Nuls", required=False),
        valid=_mention(state, mentions, "Exprimes", required=True),
    )
    candidates = _candidates(state, _child(state, tour, "Resultats"))
    return _Figures(round=number, turnout=turnout, candidates=candidates)


def _mention(state: _State, mentions: Element, tag: str, *, required: bool) -> int | None:
    holder = mentions.find(tag)
    if holder is None:
        if required:
            raise _missing(state, mentions, tag)
        return None
    nombre = holder.find("Nombre")
    if nombre is None:
        raise _missing(state, holder, "Nombre")
    return _whole(state, nombre.text, holder, "Nombre")


def _candidates(state: _State, resultats: Element) -> tuple[Candidate, ...]:
    items = _ballot_items(state, resultats)
    if len(items) > MAX_CANDIDATES:
        raise FeedError(
            state.origin, _where(resultats), f"{len(items)} items", f"more than {MAX_CANDIDATES}"
        )
    read = [_candidate(state, item) for item in items]
    ids = [r[0] for r in read]
    if len(set(ids)) != len(ids):
        raise FeedError(state.origin, _where(resultats), ids, "candidate ids must be unique")
    # Every item has its votes: the shares are computed here, as `with_computed_shares`
    # computes them, rather than by building every candidate a second time.
    cast = sum(r[2] for r in read)
    return tuple(
        Candidate(
            id=i, name=n, votes=v, published_share=p, share=100.0 * v / cast if cast else None
        )
        for i, n, v, p in read
    )


def _ballot_items(state: _State, resultats: Element) -> list[Element]:
    candidats = resultats.find("Candidats")
    if candidats is not None:
        return list(candidats.iterchildren("Candidat"))
    listes = resultats.find("Listes")
    if listes is not None:
        return list(listes.iterchildren("Liste"))
    raise _missing(state, resultats, "Candidats")


def _candidate(state: _State, item: Element) -> tuple[str, str, int, float | None]:
    """Return a candidate's (or list's) id, name, votes and published share."""
    fields: dict[Any, str | None] = {child.tag: child.text for child in item}
    if "NbVoix" not in fields:
        raise _missing(state, item, "NbVoix")
    share_tag = "RapportExprimes" if "RapportExprimes" in fields else "RapportExprime"
    cand_id, name = _who(state, item, fields)
    return (
        cand_id,
        name,
        _whole(state, fields["NbVoix"], item, "NbVoix"),
        _percent(state, fields.get(share_tag), item, share_tag),
    )


def _who(state: _State, item: Element, fields: dict[Any, str | None]) -> tuple[str, str]:
    """Return a candidate's (or list's) id and name, read once per distinct candidate."""
    get = fields.get
    key = (
        get("NumPanneauCand"),
        get("NomPsn"),
        get("PrenomPsn"),
        get("NumPanneauListe"),
        get("NomListe"),
        get("NomTeteListe"),
        get("PrenomTeteListe"),
    )
    known = state.who.get(key)
    if known is None:
        is_list = item.tag == "Liste"
        name = _list_name(state, item, fields) if is_list else _person_name(state, item, fields)
        number = (fields.get("NumPanneauListe" if is_list else "NumPanneauCand") or "").strip()
        known = state.who[key] = (state.intern(number or _slug(name)), name)
    return known


def _person_name(state: _State, item: Element, fields: dict[str, str | None]) -> str:
    surname = (fields.get("NomPsn") or "").strip()
    if not surname:
        raise FeedError(
            state.origin, f"{_where(item)}/NomPsn", fields.get("NomPsn"), "missing required element"
        )
    first = (fields.get("PrenomPsn") or "").strip()
    return _name(state, item, "NomPsn", f"{first} {surname}" if first else surname)


def _list_name(state: _State, item: Element, fields: dict[str, str | None]) -> str:
    title = (fields.get("NomListe") or "").strip()
    if not title:
        head = " ".join(
            (fields.get(k) or "").strip() for k in ("PrenomTeteListe", "NomTeteListe")
        ).strip()
        title = head
    if not title:
        raise _missing(state, item, "NomListe")
    return _name(state, item, "NomListe", title)


def _slug(text: str) -> str:
    return slug(text) or "candidate"  # a name of punctuation alone still gives an id


# ---------------------------------------------------------------- communes


def _commune(elem: Element, state: _State) -> _Commune:
    """Read one Commune element into a record of its chosen (or highest) round."""
    dept, dept_raw = _dept_of(state, elem)
    code = _required_text(state, elem, "CodSubCom", "CodCom")
    name = _text(elem, "LibSubCom", "LibCom") or code
    state.stamped(_stamp(state, elem))
    picked = _pick_tour(state, elem.find("Tours"))
    received = _flag(state, elem, "ResultatsParvenus") is not False
    figures = _figures(state, *picked) if picked is not None and received else None
    return _Commune(
        dept=dept,
        code=code,
        local=_local_code(code, dept_raw),
        name=_name(state, elem, "LibSubCom", name),
        figures=figures,
    )


def _dept_of(state: _State, elem: Element) -> tuple[str, str]:
    """Return the 3-character and the published code of the Commune's Departement."""
    dept = next(elem.iterancestors("Departement"), None)
    if dept is None:
        raise FeedError(state.origin, _where(elem), None, "a Commune must sit in a Departement")
    if dept is not state.dept_elem:
        state.dept_elem, state.dept = dept, _dept_codes(state, dept)
    return state.dept


def _dept_codes(state: _State, dept: Element) -> tuple[str, str]:
    raw = _text(dept, "CodDpt", "CodDpt3Car")
    if not raw:
        raise _missing(state, dept, "CodDpt")
    return _text(dept, "CodDpt3Car") or _pad3(raw), raw


def _pad3(code: str) -> str:
    return code.zfill(3) if code[:1].isdigit() else code


def _local_code(code: str, dept_raw: str) -> str:
    """Drop the département prefix of a 2024+ INSEE commune code (`75056` → `056`)."""
    if len(code) == 5 and code.startswith(dept_raw) and len(dept_raw) in (2, 3):
        return code[len(dept_raw) :].zfill(3)
    return code


# ---------------------------------------------------------------- snapshot


def _snapshot(root: Element, state: _State, fetched_at: datetime) -> Snapshot:
    places = _places(root)
    for elem, _ in places:
        _pick_tour(state, elem.find("Tours"))
    number = _round(state)
    races = [_place_race(state, elem, level, number) for elem, level in places]
    races += [_commune_race(c, number) for c in state.communes if _kept(state, c)]
    ids = [race.id for race in races]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise FeedError(state.origin, "(document)", dup, "two places give the same race id")
    if not races:
        raise FeedError(state.origin, "(document)", None, "no Tours of results in the file")
    return Snapshot(
        election=_election(root, number),
        updated_at=_updated_at(root, state) or fetched_at,
        races=tuple(races),
    )


def _places(root: Element) -> list[tuple[Element, str]]:
    """Return the places that make a race, in document order, with their level."""
    out: list[tuple[Element, str]] = []
    for elem in root.iter("Election", "EnsembleGeo", "Region", "Departement"):
        has_tours = elem.find("Tours") is not None
        lists = elem.tag == "Departement" and elem.find("Communes") is not None
        if has_tours or lists:
            out.append((elem, _LEVELS[str(elem.tag)]))
    return out


def _round(state: _State) -> int:
    if state.options.round is not None:
        return state.options.round
    if not state.rounds:
        raise FeedError(
            state.origin, "(document)", None, "no Tour/NumTour in the file: set the round option"
        )
    return max(state.rounds)


def _place_race(state: _State, elem: Element, level: str, number: int) -> Race:
    race_id, code, name = _identity(state, elem, level)
    figures = _own_figures(state, elem, number)
    members = _members(state, code) if elem.find("Communes") is not None else None
    if figures is None and members is not None:
        figures = _sum(members, number)
    race = Race(
        id=race_id,
        name=name,
        final=_flag(state, elem, "Complet") is True,
        units=_units(state, elem, members, number),
        turnout=figures.turnout if figures else Turnout(),
        candidates=figures.candidates if figures else (),
        level=level,
        code=code,
    )
    return with_computed_shares(race)


def _identity(state: _State, elem: Element, level: str) -> tuple[str, str, str]:
    """Return the race id, code and name of a place."""
    if level == "national":
        return "FE", "FE", "France entière"
    if level == "région":
        raw = _text(elem, "CodReg3Car", "CodReg")
        if not raw:
            raise _missing(state, elem, "CodReg")
        code = _text(elem, "CodReg3Car") or _pad3(raw)
        return f"R{code}", code, _text(elem, "LibReg") or f"Région {code}"
    code = _dept_codes(state, elem)[0]
    return f"D{code}", code, _text(elem, "LibDpt") or f"Département {code}"


def _own_figures(state: _State, elem: Element, number: int) -> _Figures | None:
    picked = _pick_tour(state, elem.find("Tours"))
    if picked is None or picked[0] != number:
        return None
    return _figures(state, *picked)


def _members(state: _State, dept: str) -> list[_Commune]:
    """Return the département's communes that count once each (not an arrondissement of one)."""
    listed = [c for c in state.communes if c.dept == dept]
    codes = {c.code for c in listed}
    return [c for c in listed if not _is_arrondissement_of(c.code, codes)]


def _is_arrondissement_of(code: str, codes: set[str]) -> bool:
    match = _ARRONDISSEMENT.fullmatch(code)
    return match is not None and match.group(1) in codes


def _received(commune: _Commune, number: int) -> _Figures | None:
    figures = commune.figures
    return figures if figures is not None and figures.round == number else None


def _sum(members: Iterable[_Commune], number: int) -> _Figures:
    """Sum the figures of the communes received for the round."""
    received = [f for f in (_received(c, number) for c in members) if f is not None]
    turnout = Turnout(
        **{
            key: _total(getattr(f.turnout, key) for f in received)
            for key in ("registered", "voters", "blank", "null", "valid")
        }
    )
    votes: dict[str, int] = {}
    names: dict[str, str] = {}
    for f in received:
        for c in f.candidates:
            names.setdefault(c.id, c.name)
            votes[c.id] = votes.get(c.id, 0) + (c.votes or 0)
    candidates = tuple(Candidate(id=i, name=names[i], votes=votes[i]) for i in names)
    return _Figures(round=number, turnout=turnout, candidates=candidates)


def _total(values: Iterator[int | None]) -> int | None:
    items = list(values)
    if not items or any(v is None for v in items):
        return None
    return sum(v for v in items if v is not None)


def _units(state: _State, elem: Element, members: list[_Commune] | None, number: int) -> Units:
    raw = elem.findtext("PourcentageBureauxDeVoteSaisis")
    pct = _percent(state, raw, elem, "PourcentageBureauxDeVoteSaisis")
    if pct is not None:
        return Units(counted=round(pct * PCT_SCALE), total=100 * PCT_SCALE, kind="percent")
    if members is not None:
        counted = sum(1 for c in members if _received(c, number) is not None)
        return Units(counted=counted, total=len(members), kind="communes")
    return Units(counted=0, total=None, kind="communes")


def _kept(state: _State, commune: _Commune) -> bool:
    wanted = state.options.communes
    if wanted is None:
        return True
    names = (commune.code, f"{commune.dept}{commune.code}", f"{commune.dept}{commune.local}")
    return commune.race_id in wanted or any(n in wanted for n in names)


def _commune_race(commune: _Commune, number: int) -> Race:
    figures = _received(commune, number)
    race = Race(
        id=commune.race_id,
        name=commune.name,
        units=Units(counted=1 if figures else 0, total=1),
        turnout=figures.turnout if figures else Turnout(),
        candidates=figures.candidates if figures else (),
        level="commune",
        code=commune.code,
    )
    return race  # its candidates' shares were computed as they were read (_candidates)


def _election(root: Element, number: int) -> str:
    scrutin = root.find("Scrutin")
    parts = [] if scrutin is None else [_text(scrutin, "Type"), _text(scrutin, "Annee")]
    base = "-".join(_slug(p) for p in parts if p) or "fr-interior"
    return f"{base}-t{number}"


def _updated_at(root: Element, state: _State) -> datetime | None:
    """Return the latest DateDerMaj + HeureDerMaj of the file, None when it has none."""
    for date in root.iter("DateDerMaj"):
        holder = date.getparent()
        if holder is not None:
            state.stamped(_stamp(state, holder))
    return state.stamp
