"""The results chart: what it shows, that it is drawn (pixel statistics), its size limits."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from bot.models import Candidate, Race, replace, with_computed_shares
from bot.render import chart
from bot.render.chart import MAX_BARS, MAX_NAME, PALETTE, THEMES, ChartStyle, layout, render_png
from tests.builders import race

PARIS = ZoneInfo("Europe/Paris")
AT = datetime(2017, 1, 29, 20, 50, tzinfo=UTC)
FR = ChartStyle(locale="fr", tz=PARIS, source="Haute autorité des primaires")
# Telegram's sendPhoto: at most 10 MB, width + height at most 10,000, sides ratio at most 20.
TELEGRAM_MAX_BYTES, TELEGRAM_MAX_SIDES, TELEGRAM_MAX_RATIO = 10 * 1024 * 1024, 10_000, 20


def pixels(png: bytes) -> np.ndarray:
    """Decode a PNG into an (height, width, 3) array of 0–255 integers."""
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB")).astype(int)


def share_of(px: np.ndarray, colour: str) -> float:
    """Return the fraction of pixels of exactly this colour."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return float(np.all(px == rgb, axis=2).mean())


def candidates(n: int, *, long: bool = False) -> Race:
    names = [
        "Benoît Hamon", "Manuel Valls", "Arnaud Montebourg", "Vincent Peillon",
        "François de Rugy", "Sylvia Pinel", "Jean-Luc Bennahmias", "Ségolène Éluard",
        "Noël Mamère", "Hélène Bidard", "Gaël Perdriau", "Zoé Lefèvre-Ñúñez",
    ]  # fmt: skip
    cands = tuple(
        Candidate(
            id=f"c{i}",
            name=(names[i % len(names)] + " — Écologie, Solidarité & Territoires d’Outre-mer")
            if long
            else names[i % len(names)],
            votes=10_000 * (n + 1 - i),
        )
        for i in range(n)
    )
    base = race({"a": 1}, counted=4422, total=7370, name="Primaire citoyenne, 2nd tour")
    return with_computed_shares(replace(base, candidates=cands))


@pytest.mark.parametrize("n", [2, 5, 12])
def test_a_chart_is_drawn_for_2_5_and_12_candidates_within_telegram_limits(n: int) -> None:
    png = render_png(candidates(n), AT, FR)
    px = pixels(png)
    height, width, _ = px.shape
    assert width == round(chart.WIDTH_IN * chart.DPI)
    assert len(png) < TELEGRAM_MAX_BYTES
    assert width + height <= TELEGRAM_MAX_SIDES
    assert max(width, height) <= TELEGRAM_MAX_RATIO * min(width, height)
    # Not blank: mostly background, but a good part drawn, in many colours.
    background = share_of(px, THEMES["light"].background)
    assert 0.45 < background < 0.97, background
    assert len(np.unique(px.reshape(-1, 3), axis=0)) > 50
    for i in range(n):  # every candidate has a bar of its colour
        assert share_of(px, PALETTE[i]) > 0, f"no bar for candidate {i}"


def test_more_candidates_grow_the_chart_not_shrink_the_bars() -> None:
    two = pixels(render_png(candidates(2), AT, FR))
    twelve = pixels(render_png(candidates(12), AT, FR))
    assert twelve.shape[0] > 2.5 * two.shape[0]
    assert twelve.shape[1] == two.shape[1]


def test_bar_lengths_follow_the_shares() -> None:
    race_ = race({"hamon": 6000, "valls": 4000})
    px = pixels(render_png(race_, AT, FR))
    hamon, valls = share_of(px, PALETTE[0]), share_of(px, PALETTE[1])
    assert hamon / valls == pytest.approx(1.5, rel=0.05)


def test_the_progress_bar_follows_the_stations_counted() -> None:
    def progress_pixels(counted: int) -> float:
        return share_of(pixels(render_png(race({"a": 1}, counted=counted), AT, FR)), "#1B1B1F")

    assert progress_pixels(900) > 2 * progress_pixels(300)


def test_a_candidate_keeps_its_colour_when_the_lead_changes() -> None:
    before = layout(race({"hamon": 4000, "valls": 6000}), AT, FR)
    after = layout(race({"hamon": 6000, "valls": 4000}), AT, FR)
    assert [b.label for b in before.bars] == ["Valls", "Hamon"]
    assert [b.label for b in after.bars] == ["Hamon", "Valls"]
    colour = {b.label: b.colour for b in before.bars}
    assert all(colour[b.label] == b.colour for b in after.bars)


def test_configured_colours_replace_the_palette() -> None:
    style = dataclasses.replace(FR, colours=(("hamon", "#E4003B"),))
    px = pixels(render_png(race({"hamon": 6000, "valls": 4000}), AT, style))
    assert share_of(px, "#E4003B") > 0.01
    assert share_of(px, PALETTE[0]) == 0  # the palette's first colour was Hamon's
    assert share_of(px, PALETTE[1]) > 0  # Valls keeps his place in the palette


def test_dark_theme_has_a_dark_background_and_light_text() -> None:
    style = dataclasses.replace(FR, theme="dark")
    px = pixels(render_png(candidates(2), AT, style))
    assert share_of(px, THEMES["dark"].background) > 0.45
    assert share_of(px, THEMES["light"].background) == 0
    assert px.max(axis=2).max() > 230  # light text on it


def test_long_accented_names_are_cut_with_an_ellipsis_and_drawn() -> None:
    race_ = candidates(5, long=True)
    plan = layout(race_, AT, FR)
    assert all(len(b.label) <= MAX_NAME and b.label.endswith("…") for b in plan.bars)
    assert plan.bars[0].label.startswith("Benoît Hamon — Écologie")
    # Every character drawn has its glyph in both fonts: Pillow would draw a box instead.
    drawn = {ch for b in plan.bars for ch in b.label} | set(plan.title + plan.progress)
    for bold in (False, True):
        glyphs = TTFont(chart._font(12, bold).path).getBestCmap()
        assert {ch for ch in drawn if ord(ch) not in glyphs} == set()
    assert pixels(render_png(race_, AT, FR)).shape[0] > 0


def test_the_layout_says_what_the_chart_shows_in_the_locale() -> None:
    plan = layout(race({"hamon": 5865, "valls": 4135}, counted=4422, total=7370), AT, FR)
    assert [b.label for b in plan.bars] == ["Hamon", "Valls"]
    # Babel's French: a no-break space before %, a narrow one between thousands.
    assert plan.share_labels == ("58,65\xa0%", "41,35\xa0%")
    assert plan.progress == "Données de 21:50 · 4\u202f422 bureaux sur 7\u202f370 (60,0\xa0%)"
    assert plan.footer == "Source : Haute autorité des primaires"
    assert plan.majority_label == "50\xa0%"
    en = layout(race({"hamon": 5865, "valls": 4135}), AT, ChartStyle(locale="en", tz=PARIS))
    assert en.share_labels == ("58.65%", "41.35%")
    assert en.footer == ""


def test_candidates_beyond_twelve_are_summed_in_one_bar() -> None:
    plan = layout(candidates(15), AT, dataclasses.replace(FR, locale="en"))
    assert len(plan.bars) == MAX_BARS
    assert plan.bars[-1].label == "4 others"
    assert sum(b.share for b in plan.bars) == pytest.approx(100.0)


def test_the_same_snapshot_gives_the_same_bytes_and_new_figures_new_ones() -> None:
    first = render_png(candidates(3), AT, FR)
    assert render_png(candidates(3), AT, FR) == first
    assert render_png(candidates(4), AT, FR) != first


def test_alt_text_reads_the_standings() -> None:
    text = chart.alt_text(race({"hamon": 6000, "valls": 4000}), FR)
    assert text == "Graphique des résultats — Primaire : Hamon 60,00\xa0%, Valls 40,00\xa0%"
