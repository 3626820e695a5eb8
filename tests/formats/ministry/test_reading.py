"""Reading a Ministry file: the stream refuses what is unsafe or broken, numbers and times."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.formats.errors import FeedError
from bot.formats.ministry import parse
from tests.formats.ministry.support import (
    FETCHED,
    fixture,
    race,
    reject,
)


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ("  63,45", 63.45),
        ("\u00a063,45", 63.45),
        ("63,45\u202f%", 63.45),
        ("63,45 %", 63.45),
        (" 63.45 ", 63.45),
        ("", None),
        ("   ", None),
    ],
)
def test_published_percentages_with_comma_and_padding(published: str, expected: float) -> None:
    data = fixture("FE_T2.xml").replace(
        b"<RapportExprime>  63,45</RapportExprime>",
        f"<RapportExprime>{published}</RapportExprime>".encode(),
    )
    mirepoix = race(parse(data, "FE.xml", {}, FETCHED), "FE").candidates[0]
    assert mirepoix.published_share == expected
    assert mirepoix.share == pytest.approx(63.448, abs=0.001)


def test_counts_with_spaces_are_read() -> None:
    data = fixture("FE_T2.xml").replace(
        b"<NbVoix>8001877<", "<NbVoix> 8\u202f001\u00a0877 <".encode()
    )
    assert race(parse(data, "FE.xml", {}, FETCHED), "FE").candidates[1].votes == 8_001_877


def test_truncated_file_names_the_open_element() -> None:
    data = fixture("075com_T2.xml")
    cut = data[: data.index(b"<NbVoix>5291</NbVoix>") + len(b"<NbVoix>52")]
    err = reject(cut, "075/075com.xml")
    assert err.field.startswith("Election/Departement/Communes/Commune[CodSubCom=056AR01]/Tours/")
    assert err.field.endswith(
        "Tour[NumTour=2]/Resultats/Candidats/Candidat[NumPanneauCand=2]/NbVoix"
    )
    assert "<NbVoix>52" in str(err.value)
    assert "invalid XML" in err.reason


@pytest.mark.parametrize("name", ["FE_T2.xml", "075com_T2.xml", "R1_2A_2024.xml"])
def test_any_truncation_is_a_feed_error(name: str) -> None:
    data = fixture(name)
    for end in range(0, len(data) - 20, 97):
        with pytest.raises(FeedError):
            parse(data[:end], name, {}, FETCHED)


def test_bytes_invalid_in_the_declared_encoding() -> None:
    data = fixture("075com_T2.xml").replace(
        "Île-de-France".encode(), "Île-de-France".encode("latin-1")
    )
    err = reject(data, "075/075com.xml")
    assert err.field == "Election/Departement/LibReg"
    assert err.value == "Île-de-France".encode("latin-1")[:8]
    assert "utf-8" in err.reason.lower()


def test_a_declared_encoding_is_honoured() -> None:
    data = (
        fixture("075com_T2.xml")
        .decode("utf-8")
        .replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
        .encode("latin-1")
    )
    snap = parse(data, "075com.xml", {}, FETCHED)
    assert race(snap, "D075").name == "Paris"


BOMB = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Election [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
  <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
  <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
"""


@pytest.mark.parametrize("where", ["LibDpt", "LibSubCom"])
def test_entity_bomb_is_refused(where: str) -> None:
    body = fixture("075com_T2.xml").split(b"?>\n", 1)[1]
    body = body.replace(f"<{where}>Paris</{where}>".encode(), f"<{where}>&g;</{where}>".encode())
    err = reject(BOMB + body, "075/075com.xml")
    assert "DOCTYPE" in err.field
    assert "entity" in err.reason


def test_external_entity_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    doc = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<!DOCTYPE Election [ <!ENTITY x SYSTEM "'
        + secret.as_uri().encode()
        + b'"> ]>\n'
        + fixture("FE_T2.xml")
        .split(b"?>\n", 1)[1]
        .replace(b"<Annee>2017</Annee>", b"<Annee>&x;</Annee>")
    )
    err = reject(doc, "FE.xml")
    assert "DOCTYPE" in err.field
    assert "TOP-SECRET" not in str(err)


def test_unparsable_count_names_element_and_value() -> None:
    data = fixture("FE_T2.xml").replace(b"<NbVoix>13890210<", b"<NbVoix>13 890 21O<")
    err = reject(data)
    assert err.field == (
        "Election/Tours/Tour[NumTour=2]/Resultats/Candidats/Candidat[NumPanneauCand=2]/NbVoix"
    )
    assert err.value == "13 890 21O"
    assert "whole number" in err.reason
    assert "'13 890 21O'" in str(err)


def test_unparsable_count_in_a_commune() -> None:
    data = fixture("075com_T2.xml").replace(b"<Nombre>11285<", b"<Nombre>-11285<")
    err = reject(data, "075com.xml")
    assert err.field == (
        "Election/Departement/Communes/Commune[CodSubCom=056AR01]"
        "/Tours/Tour[NumTour=2]/Mentions/Inscrits/Nombre"
    )
    assert err.value == "-11285"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (b"<RapportExprime>  63,45<", b"<RapportExprime>  63;45<", "RapportExprime"),
        (b"<RapportExprime>  63,45<", b"<RapportExprime> 163,45<", "RapportExprime"),
        (b"<NumTour>2<", b"<NumTour>deux<", "NumTour"),
        (b"<NbVoix>8001877<", b"<NbVoix>" + b"9" * 40 + b"<", "NbVoix"),
    ],
)
def test_other_unparsable_numbers(old: bytes, new: bytes, field: str) -> None:
    err = reject(fixture("FE_T2.xml").replace(old, new))
    assert err.field.endswith(f"/{field}")
    assert err.value == new[len(field) + 2 : -1].decode()


@pytest.mark.parametrize(
    ("date", "heure"),
    [("31-02-2017", "21:42:10"), ("2017-05-07", "21:42:10"), ("07-05-2017", "9h42")],
)
def test_bad_timestamps(date: str, heure: str) -> None:
    data = fixture("075com_T2.xml").replace(
        b"<DateDerMaj>07-05-2017</DateDerMaj><HeureDerMaj>21:42:10</HeureDerMaj>".replace(
            b"><", b">\n    <"
        ),
        f"<DateDerMaj>{date}</DateDerMaj>\n    <HeureDerMaj>{heure}</HeureDerMaj>".encode(),
    )
    assert data != fixture("075com_T2.xml")
    err = reject(data, "075com.xml")
    assert err.field.startswith("Election/Departement/")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<html><body>Maintenance</body></html>",
        b"<!DOCTYPE html>\n<html><head><title>404</title></head></html>",
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Election><Scrutin/></Election>',
        b'<?xml version="1.0" encoding="X-NOPE"?>\n<Election/>',
        b"\xff\xfe\x00garbage",
    ],
)
def test_not_a_results_file(data: bytes) -> None:
    reject(data, "resultatsT1/FE.xml")
