"""What the CSV parser's tests share: fixtures, option sets, and parse or reject a file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.checks import find_anomalies
from bot.formats.csvfeed import parse
from bot.formats.errors import FeedError
from bot.models import Snapshot
from bot.rules import Rules

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "csv"
LONG = (FIXTURES / "long-contract.csv").read_bytes()
BREST_CP1252 = (FIXTURES / "brest-legislatives-2022-t1.cp1252.csv").read_bytes()
BREST_UTF8 = (FIXTURES / "brest-legislatives-2022-t1.utf8.csv").read_bytes()
BLOCS_CP1252 = (FIXTURES / "legislatives-blocs-cirlg.cp1252.csv").read_bytes()
ORIGIN = "feeds/resultats.csv"
FETCHED = datetime(2022, 6, 12, 21, 5, tzinfo=UTC)
PARIS = timezone(timedelta(hours=1))

BREST: dict[str, Any] = {
    "layout": "wide",
    "election": "legislatives-2022-t1",
    "aggregate": "race",
    "level": "circonscription",
    "race_name": "Finistère, circonscription {code}",
    "columns": {
        "race_id": "Circo",
        "registered": "Inscrits",
        "voters": "Votants",
        "blank": "Blancs",
        "null": "Nuls",
        "valid": "Exprimés",
    },
    "candidate_votes": "^(?P<name>.+) - votes$",
    "candidate_share": "^(?P<name>.+) - pourcentage$",
}


# data.gouv's "résultats par niveau" columns, mapped as config/examples says (the defaults).
BLOCKS: dict[str, Any] = {
    "layout": "blocks",
    "encoding": "cp1252",
    "level": "circonscription",
    "columns": {
        "race_id": ["Code du département", "Code de la circonscription"],
        "race_name": ["Libellé du département", "Libellé de la circonscription"],
        "registered": "Inscrits",
        "voters": "Votants",
        "blank": "Blancs",
        "null": "Nuls",
        "valid": "Exprimés",
        "candidate_id": "N°Panneau",
        "candidate_name": ["Prénom", "Nom"],
        "party": "Nuance",
        "votes": "Voix",
        "share": "% Voix/Exp",
    },
}

# A header block and its candidate block, for files built in the tests.
BLOCK_HEADER = "dep;circ;inscrits;exprimes;num;nom;prenom;nuance;voix;sieges"
BLOCK_OPTIONS: dict[str, Any] = {
    "layout": "blocks",
    "columns": {
        "race_id": ["dep", "circ"],
        "registered": "inscrits",
        "valid": "exprimes",
        "candidate_id": "num",
        "candidate_name": ["prenom", "nom"],
        "party": "nuance",
        "votes": "voix",
    },
}


BUREAU_HEADER = (
    ";Numéro;Circo;Inscrits;Votants;Blancs;Nuls;Exprimés;A - votes;A - pourcentage;B - votes"
)


def brest(data: bytes, **changes: Any) -> Snapshot:
    """Parse a Brest-style wide file with BREST's options (and changes)."""
    return parse(data, ORIGIN, {**BREST, **changes}, FETCHED)


def lines(*rows: str, sep: str = "\n") -> bytes:
    """Return rows joined as a UTF-8 file."""
    return (sep.join(rows) + sep).encode("utf-8")


def reject(data: bytes, options: dict[str, Any] | None = None) -> FeedError:
    """Return the FeedError the parse raises, checking that it names ORIGIN."""
    with pytest.raises(FeedError) as caught:
        parse(data, ORIGIN, {} if options is None else options, FETCHED)
    assert caught.value.origin == ORIGIN
    assert str(caught.value).startswith(f"{ORIGIN}: ")
    return caught.value


def no_anomalies(snap: Snapshot) -> None:
    """Fail when a race of the snapshot shows an anomaly."""
    for race in snap.races:
        assert find_anomalies(None, race, Rules()) == [], race.id


def stamped(stamp: str) -> bytes:
    """Return a two-candidate file whose updated_at cells hold `stamp`."""
    return lines("maj;nom;voix", f"{stamp};Alice;10", f"{stamp};Bruno;5")


STAMPED = {"columns": {"updated_at": "maj", "candidate_name": "nom", "votes": "voix"}}
