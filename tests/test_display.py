"""How messages read: a source's credited label, and the style a renderer gets."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.display import Display
from bot.render.text import Renderer, Style
from tests.builders import at

PARIS = ZoneInfo("Europe/Paris")


def test_a_source_without_a_label_credits_nobody() -> None:
    display = Display(locale="fr", tz=PARIS, labels={"feed": "Ministère de l'Intérieur"})
    assert display.label("feed") == "Ministère de l'Intérieur"
    assert display.label("other") is None
    assert Display(locale="en", tz=PARIS).label("feed") is None


def test_the_style_is_in_the_display_time_zone_whatever_the_chats_language() -> None:
    display = Display(locale="fr", tz=PARIS)
    style = display.style("en", "html", "Authority")
    assert style == Style(locale="en", tz=PARIS, markup="html", source="Authority")
    assert display.style("fr", "plain") == Style(locale="fr", tz=PARIS, markup="plain")
    assert Renderer(style).time(at(0)) == "19:30"  # at(0) in Paris, not in UTC
