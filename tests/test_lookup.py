"""Place lookup: codes, accents, prefixes, typos and ambiguity."""

from __future__ import annotations

import pytest

from bot.lookup import RaceRef, fold, lookup, suggest

REFS = [
    RaceRef(id="FE", name="France entière", level="national", code="FE"),
    RaceRef(id="D075", name="Paris", level="département", code="075"),
    RaceRef(id="C075056", name="Paris", level="commune", code="075056"),
    RaceRef(id="D001", name="Ain", level="département", code="001"),
    RaceRef(id="C001004", name="Ambérieu-en-Bugey", level="commune", code="001004"),
    RaceRef(id="C001005", name="Ambérieux-en-Dombes", level="commune", code="001005"),
    RaceRef(id="D02A", name="Corse-du-Sud", level="département", code="02A"),
    RaceRef(id="C013055", name="Marseille", level="commune", code="013055"),
    RaceRef(id="national", name="Primaire citoyenne", level="national", code=None),
]


def ids(query: str) -> list[str]:
    return [r.id for r in lookup(REFS, query)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("D075", ["D075"]),
        ("d075", ["D075"]),
        ("75", ["D075"]),
        ("075", ["D075"]),
        ("02A", ["D02A"]),
        ("2a", ["D02A"]),
        ("corse du sud", ["D02A"]),
        ("CORSE-DU-SUD", ["D02A"]),
        ("Ambérieu-en-Bugey", ["C001004"]),
        ("amberieu en bugey", ["C001004"]),
        ("Ambérieu-en-Buguey", ["C001004"]),  # a typo still finds it
        ("marseile", ["C013055"]),
        ("Ambérieu", ["C001004", "C001005"]),  # ambiguous: both start so
        ("Paris", ["D075", "C075056"]),  # ambiguous: département and commune
        ("dombes", ["C001005"]),  # a word of the name
        ("nationl", ["national"]),  # a close spelling of an id
        ("Primarie", ["national"]),  # ... of one word of a name
        ("primaire citoyene", ["national"]),  # ... of the whole name
        ("0755", ["D075"]),  # ... of a code
        ("public", []),  # not a race, nor close to one
        ("Lyon", []),
        ("", []),
    ],
)
def test_lookup(query: str, expected: list[str]) -> None:
    assert ids(query) == expected


def test_fold() -> None:
    assert fold("  Ambérieux-en-Dombes ") == "amberieux en dombes"
    assert fold("L’Haÿ-les-Roses") == "l hay les roses"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Parsi Nord", ["D075", "C075056"]),  # nothing matches; Paris is nearest
        ("marsei", ["C013055"]),
        ("Lyon", []),  # nothing near enough to offer
        ("", []),
    ],
)
def test_suggest(query: str, expected: list[str]) -> None:
    assert [r.id for r in suggest(REFS, query)] == expected


def test_a_close_spelling_is_found_among_35000_communes() -> None:
    # 35,000 communes: a close spelling is still found among them.
    refs = [RaceRef(id=f"C{i:06}", name=f"Commune {i}", level="commune", code=f"{i:06}")
            for i in range(35_000)]  # fmt: skip
    refs.append(RaceRef(id="C999999", name="Ambérieux-en-Dombes", level="commune", code=None))
    assert [r.id for r in lookup(refs, "amberieux en dombs")] == ["C999999"]
