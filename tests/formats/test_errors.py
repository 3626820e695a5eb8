"""FeedError: a rejected document names its file, the field and the value, shortened."""

from __future__ import annotations

from bot.formats.errors import FeedError, unknown_option


def test_the_message_names_file_field_value_and_reason() -> None:
    err = FeedError("FE.xml", "Election/Tours/Tour[NumTour=2]/NbVoix", "13 890 21O", "whole?")
    assert str(err) == "FE.xml: Election/Tours/Tour[NumTour=2]/NbVoix = '13 890 21O': whole?"
    assert (err.origin, err.field, err.value, err.reason) == (
        "FE.xml",
        "Election/Tours/Tour[NumTour=2]/NbVoix",
        "13 890 21O",
        "whole?",
    )


def test_a_long_value_is_shortened_in_the_message_only() -> None:
    value = "x" * 500
    err = FeedError("feed.csv", "line 2", value, "too long")
    shown = str(err).split(" = ", 1)[1].rsplit(": ", 1)[0]
    assert len(shown) == 80
    assert shown.endswith("...")
    assert err.value == value


def test_an_unknown_option_is_named_with_the_one_meant_and_the_ones_there_are() -> None:
    assert unknown_option("rond", ("round", "communes")) == (
        "rond: unknown option; did you mean `round`? (this format takes round, communes)"
    )
    assert unknown_option("xyz", ("round", "communes")) == (
        "xyz: unknown option (this format takes round, communes)"
    )
