"""A round's figures at one place: the Tour chosen, its Mentions (turnout), its candidates."""

from __future__ import annotations

from typing import Any

from bot.formats.errors import FeedError
from bot.formats.ministry.reading import (
    checked_name,
    missing,
    path_of,
    percent,
    required_child,
    whole,
)
from bot.formats.ministry.state import Element, Figures, State
from bot.formats.slug import slug
from bot.models import Candidate, Turnout

MAX_CANDIDATES = 1000


def _num_tour(state: State, tour: Element) -> int:
    raw = tour.findtext("NumTour")
    if raw is None:
        raise missing(state, tour, "NumTour")
    number = whole(state, raw, tour, "NumTour")
    state.rounds.add(number)
    return number


def pick_tour(state: State, tours: Element | None) -> tuple[int, Element] | None:
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


def previous_tour(state: State, tours: Element | None, number: int) -> Element | None:
    """Return the Tour of the round before `number`, when the file holds it."""
    if tours is None or number <= 1:
        return None
    return next(
        (t for t in tours.iterchildren("Tour") if t.findtext("NumTour") == str(number - 1)), None
    )


def read_figures(state: State, number: int, tour: Element) -> Figures:
    """Read a Tour's Mentions (turnout) and Resultats (candidates or lists)."""
    mentions = required_child(state, tour, "Mentions")
    turnout = Turnout(
        registered=_mention(state, mentions, "Inscrits", required=True),
        voters=_mention(state, mentions, "Votants", required=True),
        blank=_mention(state, mentions, "Blancs", required=False),
        null=_mention(state, mentions, "Nuls", required=False),
        valid=_mention(state, mentions, "Exprimes", required=True),
    )
    candidates = _candidates(state, required_child(state, tour, "Resultats"))
    return Figures(round=number, turnout=turnout, candidates=candidates)


def _mention(state: State, mentions: Element, tag: str, *, required: bool) -> int | None:
    holder = mentions.find(tag)
    if holder is None:
        if required:
            raise missing(state, mentions, tag)
        return None
    nombre = holder.find("Nombre")
    if nombre is None:
        raise missing(state, holder, "Nombre")
    return whole(state, nombre.text, holder, "Nombre")


def _candidates(state: State, resultats: Element) -> tuple[Candidate, ...]:
    items = _ballot_items(state, resultats)
    if len(items) > MAX_CANDIDATES:
        raise FeedError(
            state.origin, path_of(resultats), f"{len(items)} items", f"more than {MAX_CANDIDATES}"
        )
    read = [_candidate(state, item) for item in items]
    ids = [r[0] for r in read]
    if len(set(ids)) != len(ids):
        raise FeedError(state.origin, path_of(resultats), ids, "candidate ids must be unique")
    # Every item has its votes: the shares are computed here, as `with_computed_shares`
    # computes them, rather than by building every candidate a second time.
    cast = sum(r[2] for r in read)
    return tuple(
        Candidate(
            id=i,
            name=n,
            votes=v,
            published_share=p,
            share=100.0 * v / cast if cast else None,
            party=party,
        )
        for i, n, v, p, party in read
    )


def _ballot_items(state: State, resultats: Element) -> list[Element]:
    candidats = resultats.find("Candidats")
    if candidats is not None:
        return list(candidats.iterchildren("Candidat"))
    listes = resultats.find("Listes")
    if listes is not None:
        return list(listes.iterchildren("Liste"))
    raise missing(state, resultats, "Candidats")


def _candidate(state: State, item: Element) -> tuple[str, str, int, float | None, str | None]:
    """Return a candidate's (or list's) id, name, votes, published share and party label."""
    fields: dict[Any, str | None] = {child.tag: child.text for child in item}
    if "NbVoix" not in fields:
        raise missing(state, item, "NbVoix")
    share_tag = "RapportExprimes" if "RapportExprimes" in fields else "RapportExprime"
    cand_id, name = _who(state, item, fields)
    return (
        cand_id,
        name,
        whole(state, fields["NbVoix"], item, "NbVoix"),
        percent(state, fields.get(share_tag), item, share_tag),
        _party(state, item, fields),
    )


def _party(state: State, item: Element, fields: dict[Any, str | None]) -> str | None:
    """Return the nuance's code (`CodNuaCand`, `CodNuaListe`: "NUP"), else its label, where
    the file has one (legislative and municipal files; presidential ones have none)."""
    kind = "Liste" if item.tag == "Liste" else "Cand"
    label = (fields.get(f"CodNua{kind}") or fields.get(f"LibNua{kind}") or "").strip()
    return checked_name(state, item, f"CodNua{kind}", label) if label else None


def _who(state: State, item: Element, fields: dict[Any, str | None]) -> tuple[str, str]:
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
        known = state.who[key] = (state.intern(number or name_id(name)), name)
    return known


def _person_name(state: State, item: Element, fields: dict[str, str | None]) -> str:
    surname = (fields.get("NomPsn") or "").strip()
    if not surname:
        raise FeedError(
            state.origin,
            f"{path_of(item)}/NomPsn",
            fields.get("NomPsn"),
            "missing required element",
        )
    first = (fields.get("PrenomPsn") or "").strip()
    return checked_name(state, item, "NomPsn", f"{first} {surname}" if first else surname)


def _list_name(state: State, item: Element, fields: dict[str, str | None]) -> str:
    title = (fields.get("NomListe") or "").strip()
    if not title:
        head = " ".join(
            (fields.get(k) or "").strip() for k in ("PrenomTeteListe", "NomTeteListe")
        ).strip()
        title = head
    if not title:
        raise missing(state, item, "NomListe")
    return checked_name(state, item, "NomListe", title)


def name_id(text: str) -> str:
    """Return an id made from a name, for a candidate or list without a number."""
    return slug(text) or "candidate"  # a name of punctuation alone still gives an id
