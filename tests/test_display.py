"""How messages read: each source's credited label, and a chat's rendering style in the
display time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.display import Display
from bot.render.text import Style

PARIS = ZoneInfo("Europe/Paris")


def test_a_source_is_credited_by_its_label_or_not_at_all() -> None:
    display = Display(locale="fr", tz=PARIS, labels={"ministere": "Ministère de l’Intérieur"})
    assert display.label("ministere") == "Ministère de l’Intérieur"
    assert display.label("csv") is None
    assert Display(locale="fr", tz=PARIS).label("ministere") is None


def test_a_style_is_the_chats_locale_and_markup_in_the_display_zone() -> None:
    display = Display(locale="fr", tz=PARIS)
    assert display.style("en", "html", "Ministère") == Style(
        locale="en", tz=PARIS, markup="html", source="Ministère"
    )
    assert display.style("fr", "plain").source is None
