"""The shared slug: one id function for the names of every format."""

from __future__ import annotations

import pytest

from bot.formats.slug import MAX_SLUG, slug


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("M. CADALEN Pierre-Yves", "m-cadalen-pierre-yves"),  # CSV candidate
        ("Marcel DURAND", "marcel-durand"),  # Ministry list without a number
        ("François BAVÉLÈRE", "francois-bavelere"),  # accents dropped
        ("US Senator - REPUBLICAN", "us-senator-republican"),  # Clarity contest
        ("Présidentielle", "presidentielle"),  # Ministry election type
        ("Straße", "strasse"),  # case folded, not only lowered
        ("  -- 079 --  ", "079"),  # a race code keeps its zeros
        ("A101", "a101"),
        ("—", ""),  # no usable character: the caller decides
    ],
)
def test_slug(name: str, expected: str) -> None:
    assert slug(name) == expected


def test_a_long_name_is_cut_without_a_trailing_dash() -> None:
    cut = slug("x" * (MAX_SLUG - 1) + " yz")
    assert cut == "x" * (MAX_SLUG - 1)
    assert len(slug("a" * 500)) == MAX_SLUG
