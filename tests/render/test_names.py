"""Candidates' shown names: two that would read the same are told apart by label or id."""

from __future__ import annotations

from bot.models import Candidate, Race, Units
from bot.render.names import shown_names

TEMPLATE = "{name} ({label})"


def _race(*candidates: Candidate) -> Race:
    return Race(id="75-09", name="Paris, 9ème", units=Units(counted=1, total=1),
                candidates=candidates)  # fmt: skip


def test_distinct_names_are_shown_as_they_are_with_or_without_a_label() -> None:
    race = _race(
        Candidate(id="13", name="Sandrine ROUSSEAU", party="NUP"),
        Candidate(id="9", name="Buon TAN", party="ENS"),
        Candidate(id="2", name="Jean OLIVIER"),
    )

    assert shown_names(race, TEMPLATE) == {
        "13": "Sandrine ROUSSEAU",
        "9": "Buon TAN",
        "2": "Jean OLIVIER",
    }


def test_two_candidates_reading_the_same_carry_their_party() -> None:
    race = _race(
        Candidate(id="13", name="Sandrine ROUSSEAU", party="NUP"),
        Candidate(id="9", name="Buon TAN", party="ENS"),
        Candidate(id="8", name="sandrine  Rousseau", party="DVD"),  # case and spaces aside
    )

    assert shown_names(race, TEMPLATE) == {
        "13": "Sandrine ROUSSEAU (NUP)",
        "9": "Buon TAN",
        "8": "sandrine  Rousseau (DVD)",
    }


def test_without_a_telling_party_the_id_tells_them_apart() -> None:
    race = _race(
        Candidate(id="1", name="Anne LE GALL", party="DVD"),
        Candidate(id="2", name="Anne LE GALL", party="DVD"),
        Candidate(id="3", name="Anne LE GALL"),
    )

    assert shown_names(race, TEMPLATE) == {
        "1": "Anne LE GALL (1)",
        "2": "Anne LE GALL (2)",
        "3": "Anne LE GALL (3)",
    }
