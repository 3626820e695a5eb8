"""XML safety: feeds are streamed with entities unresolved, no DTD and no network."""

from __future__ import annotations

from pathlib import Path

from bot.formats import xmlsafe


def texts(data: bytes) -> list[str]:
    return [elem.text or "" for _, elem in xmlsafe.iterparse(data, events=("end",))]


def test_an_internal_entity_is_not_expanded() -> None:
    doc = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "EXPANDED">]><r><t>&a;</t></r>'
    assert "EXPANDED" not in "".join(texts(doc))


def test_an_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    doc = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "'
        + secret.as_uri().encode()
        + b'">]><r><t>&x;</t></r>'
    )
    assert "TOP-SECRET" not in "".join(texts(doc))


def test_comments_and_processing_instructions_are_dropped() -> None:
    doc = b"<r><!-- note --><?pi data?><t>1</t></r>"
    tags = [elem.tag for _, elem in xmlsafe.iterparse(doc, events=("end",))]
    assert tags == ["t", "r"]
