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
  total = 10000 (`"62,50"` → 6250/10000), kind "percent".
- Otherwise a département that lists its communes counts **communes received out of the
  communes listed in the file**: a commune is received when it has a `Tour` of the chosen
  round with figures and its `ResultatsParvenus` (when present) is not `N`/`NON`. This proxy
  assumes the file lists every commune, those not yet received included. Kind "communes";
  such a race is `summed` when the département has no `Tours` of its own (bot.levels).
- A commune is 1/1 when it has results for the round, 0/1 otherwise, kind "none": it comes
  in whole, and messages say nothing of its progress.
- Any other place (France entière, a région, a département file without communes) has
  counted = 0, no total and kind "none": no progress published, none said.
  `Complet` = `O`/`OUI` marks a place final.

**Data time.** `updated_at` is the latest `DateDerMaj` + `HeureDerMaj` found anywhere in the
file, read as Europe/Paris wall-clock time. The 2017–2022 results files carry none: their
index does (`index`: `Index.stamped` dates a version by it). Without either, the fetch time
the caller passes (`fetched_at`) is used, and every race is marked `dated=False`, so that
messages say it is the time received, not a data time.

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

**Modules.** `parser` (this one: options, the snapshot), `reading` (the XML stream, element
paths, texts, numbers, flags, times), `figures` (a Tour's turnout and candidates), `places`
(communes, départements, régions and France entière as races), `state` (what a parse holds).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.formats.errors import FeedError, unknown_option
from bot.formats.limits import DEFAULT_LIMITS, Limits
from bot.formats.ministry.figures import name_id, pick_tour
from bot.formats.ministry.places import (
    commune_race,
    kept,
    place_race,
    race_places,
    read_commune,
)
from bot.formats.ministry.reading import child_text, read_stamp, stream
from bot.formats.ministry.state import Element, State, Wanted
from bot.models import Snapshot, replace

FORMAT = "fr-interior-xml"


def check_options(options: Mapping[str, Any]) -> list[str]:
    """Return the errors in this format's options (`round`, `communes`), empty when valid."""
    errors: list[str] = []
    for key, value in options.items():
        if key == "round":
            errors.extend(_check_round(value))
        elif key == "communes":
            errors.extend(_check_communes(value))
        else:
            errors.append(unknown_option(key, ("round", "communes")))
    return errors


def parse(
    data: bytes,
    origin: str,
    options: Mapping[str, Any],
    fetched_at: datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> Snapshot:
    """Parse a Ministry results file into a Snapshot, or raise FeedError.

    Nothing is unpacked, so `limits` are the registry's to check (size, data time)."""
    errors = check_options(options)
    if errors:
        raise FeedError(origin, "(options)", dict(options), errors[0])
    state = State(origin=origin, options=_wanted(options))
    root = stream(data, origin, lambda elem: state.communes.append(read_commune(elem, state)))
    return _snapshot(root, state, fetched_at)


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


def _wanted(options: Mapping[str, Any]) -> Wanted:
    communes = options.get("communes")
    return Wanted(
        round=options.get("round"),
        communes=None if communes is None else frozenset(c.strip() for c in communes),
    )


def _snapshot(root: Element, state: State, fetched_at: datetime) -> Snapshot:
    places = race_places(root)
    for elem, _ in places:
        pick_tour(state, elem.find("Tours"))
    number = _round(state)
    races = [place_race(state, elem, level, number) for elem, level in places]
    races += [commune_race(c, number) for c in state.communes if kept(state, c)]
    ids = [race.id for race in races]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise FeedError(state.origin, "(document)", dup, "two places give the same race id")
    if not races:
        raise FeedError(state.origin, "(document)", None, "no Tours of results in the file")
    stamp = _updated_at(root, state)
    if stamp is None:  # the file carries no time: the fetch time stands in, said as such
        races = [replace(race, dated=False) for race in races]
    return Snapshot(
        election=_election(root, number),
        updated_at=stamp or fetched_at,
        races=tuple(races),
    )


def _round(state: State) -> int:
    if state.options.round is not None:
        return state.options.round
    if not state.rounds:
        raise FeedError(
            state.origin, "(document)", None, "no Tour/NumTour in the file: set the round option"
        )
    return max(state.rounds)


def _election(root: Element, number: int) -> str:
    scrutin = root.find("Scrutin")
    parts = [] if scrutin is None else [child_text(scrutin, "Type"), child_text(scrutin, "Annee")]
    base = "-".join(name_id(p) for p in parts if p) or "fr-interior"
    return f"{base}-t{number}"


def _updated_at(root: Element, state: State) -> datetime | None:
    """Return the latest DateDerMaj + HeureDerMaj of the file, None when it has none."""
    for date in root.iter("DateDerMaj"):
        holder = date.getparent()
        if holder is not None:
            state.stamped(read_stamp(state, holder))
    return state.stamp
