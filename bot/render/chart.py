"""Results charts: a race's shares as horizontal bars, a PNG drawn with Pillow.

Pure: the same race, time and style give the same bytes (no clock, no display; the font
files are read once). Pillow is imported on first use, so the bot starts without paying
for it.
"""

from __future__ import annotations

import functools
import importlib.metadata
import io
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from bot.models import Race
from bot.render.text import Renderer, Style

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage
    from PIL.ImageDraw import ImageDraw
    from PIL.ImageFont import FreeTypeFont

WIDTH_IN = 8.0  # inches at DPI: 1,080 px wide, sharp on a phone and small on the wire
DPI = 135
LEFT = 0.04  # side margins, as a fraction of the width
MARGIN, TITLE_LINE, ROW = 0.3, 0.36, 0.62  # inches
TITLE_CHARS = 50  # a title line at 17 pt bold over the width
MAX_NAME = 40  # characters of a candidate's name before an ellipsis
MAX_BARS = 12  # more candidates are summed up in one "others" bar
# zlib's fastest level: 4-8 ms less a chart than PIL's default (6) for some 20 % more
# bytes (46 kB instead of 39 kB for five candidates, RGB), the same pixels.
PNG_LEVEL = 1
FONTS = "matplotlib/mpl-data/fonts/ttf"  # DejaVu Sans, in matplotlib's installed files
# DejaVu Sans's OS/2 typographic ascender, descender and line gap, in em (1556, 492 and 410
# of 2,048 units): what matplotlib lays a line of text out by.
TYPO_ASCENT, TYPO_DESCENT, TYPO_GAP = 1556 / 2048, 492 / 2048, 410 / 2048
# Okabe–Ito: told apart by colour-blind readers, on light and dark backgrounds alike.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
    "#F0E442", "#8C8C8C", "#882255", "#44AA99", "#AA4499", "#DDCC77",
)  # fmt: skip


@dataclass(frozen=True, kw_only=True, slots=True)
class Theme:
    """Colours of one theme. The PNG is opaque, so it reads the same in any chat theme."""

    background: str
    text: str
    muted: str
    track: str


THEMES: dict[str, Theme] = {
    "light": Theme(background="#FFFFFF", text="#1B1B1F", muted="#5F6368", track="#E3E5E8"),
    "dark": Theme(background="#1E1F22", text="#F2F3F5", muted="#B5BAC1", track="#3A3C42"),
}


@dataclass(frozen=True, kw_only=True, slots=True)
class ChartStyle:
    """How a chart looks: locale and zone of its figures, theme, colours by candidate id."""

    locale: str = "fr"
    tz: tzinfo
    theme: str = "light"
    colours: tuple[tuple[str, str], ...] = ()
    source: str | None = None
    majority: float | None = 50.0  # the line drawn across the bars; None for none

    def colour_map(self) -> Mapping[str, str]:
        """Return the configured colour of each candidate id."""
        return dict(self.colours)


@dataclass(frozen=True, kw_only=True, slots=True)
class Bar:
    """One bar: a label, a share in percent, a colour."""

    label: str
    share: float
    colour: str
    votes: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Layout:
    """What the chart shows, in plain text already formatted for the locale."""

    title: str
    progress: str
    progress_pct: float | None
    footer: str
    bars: tuple[Bar, ...]
    share_labels: tuple[str, ...]
    majority: float | None
    majority_label: str


def layout(race: Race, at: datetime, style: ChartStyle) -> Layout:
    """Decide what the chart of a race shows; pure, and testable without drawing."""
    r = Renderer(Style(locale=style.locale, tz=style.tz, markup="plain"))
    colours = style.colour_map()
    # A candidate keeps one colour all night (by feed order, not by rank): when the lead
    # changes, the bars swap places, not colours.
    place = {c.id: i for i, c in enumerate(race.candidates)}
    ranked = [c for c in race.standings() if c.share is not None]
    names = r.names(race)
    bars = [
        Bar(
            label=_short(names[c.id]),
            share=c.share or 0.0,
            colour=colours.get(c.id) or PALETTE[place[c.id] % len(PALETTE)],
            votes=c.votes,
        )
        for c in ranked
    ]
    if len(bars) > MAX_BARS:
        rest = bars[MAX_BARS - 1 :]
        label = r.t("chart.others", count=r.num(len(rest)))
        bars = [*bars[: MAX_BARS - 1], Bar(label=label, share=sum(b.share for b in rest),
                                           colour=THEMES[style.theme].muted)]  # fmt: skip
    return Layout(
        title=race.name,
        progress=r.footer(race, at),
        progress_pct=race.units.pct,
        footer=r.t("line.source", source=style.source) if style.source else "",
        bars=tuple(bars),
        share_labels=tuple(r.pct(b.share) for b in bars),
        majority=style.majority,
        majority_label=r.pct(style.majority, 0) if style.majority is not None else "",
    )


def alt_text(race: Race, style: ChartStyle) -> str:
    """Return the chart's text alternative, for screen readers (Slack's alt_txt)."""
    r = Renderer(Style(locale=style.locale, tz=style.tz, markup="plain"))
    ranked = [c for c in race.standings() if c.share is not None]
    names = r.names(race)
    shares = ", ".join(f"{names[c.id]} {r.pct(c.share or 0.0)}" for c in ranked)
    return r.t("chart.alt", race=race.name, shares=shares)[:1000]


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1].rstrip() + "…"


def render_png(race: Race, at: datetime, style: ChartStyle) -> bytes:
    """Draw the chart of a race as PNG bytes."""
    return draw(layout(race, at, style), THEMES[style.theme])


def draw(plan: Layout, theme: Theme) -> bytes:
    """Draw a laid-out chart with Pillow, in inches from the top-left corner."""
    from PIL import Image, ImageDraw  # imported on the first chart only

    title = textwrap.wrap(plan.title, TITLE_CHARS, max_lines=2, placeholder="…") or [""]
    rows = max(len(plan.bars), 1)
    # Heights in inches, top to bottom: margin, title, progress line and bar, bars, footer.
    head = MARGIN + TITLE_LINE * len(title) + 0.62
    height = head + ROW * rows + (0.55 if plan.footer else 0.3)
    canvas = Image.new("RGB", (round(WIDTH_IN * DPI), round(height * DPI)), theme.background)
    pen = _Pen(ImageDraw.Draw(canvas))
    left, width = LEFT * WIDTH_IN, (1 - 2 * LEFT) * WIDTH_IN
    pen.text(left, MARGIN, title, 17, theme.text, bold=True, va="top", spacing=1.15)
    top = MARGIN + TITLE_LINE * len(title)
    pen.text(left, top + 0.08, [plan.progress], 10.5, theme.muted, va="top")
    _progress(_Panel(pen, (left, top + 0.5, width, 0.13), 1), plan, theme)
    _bars(_Panel(pen, (left, head + ROW * rows, width, ROW * rows), rows), plan, theme)
    if plan.footer:
        pen.text(left, height - 0.18, [plan.footer], 9, theme.muted, va="bottom")
    return _png(canvas)


@functools.cache
def _font(size: float, bold: bool) -> FreeTypeFont:
    """Return DejaVu Sans at a size in points, as the chart's DPI draws it. The font is the
    one matplotlib ships (read from its installed files, without importing matplotlib)."""
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = importlib.metadata.distribution("matplotlib").locate_file(f"{FONTS}/{name}")
    return ImageFont.truetype(str(path), size * DPI / 72)


class _Pen:
    """Draws on the canvas in inches from its top-left corner; texts are aligned as
    matplotlib aligns them, so that the chart reads as it did when matplotlib drew it."""

    def __init__(self, draw: ImageDraw) -> None:
        self.draw = draw

    def box(self, x0: float, y0: float, x1: float, y1: float, colour: str) -> None:
        """Fill a rectangle, its edges on whole pixels."""
        (a, b), (c, d) = _px(x0, y0), _px(x1, y1)
        if c > a and d > b:
            self.draw.rectangle((a, b, c - 1, d - 1), fill=colour)

    def text(
        self, x: float, y: float, lines: list[str], points: float, colour: str, *,
        bold: bool = False, va: str, ha: str = "left", spacing: float | None = None,
    ) -> None:  # fmt: skip
        """Write lines whose box's top (va="top") or bottom (va="bottom") is at y and whose
        left (or right, ha="right") is at x. Each line takes `spacing` times the font size,
        or (None) at least the font's own ascent and descent."""
        font = _font(points, bold)
        above, below = [], []
        for s in lines:
            __, top, __, bottom = font.getbbox(s or " ", anchor="ls")
            if spacing is None:  # the font's line, and its gap between lines
                gap = TYPO_GAP * font.size / 2 if len(lines) > 1 else 0.0
                above.append(max(-top, TYPO_ASCENT * font.size) + gap)
                below.append(max(bottom, TYPO_DESCENT * font.size) + gap)
            else:  # the leading shared above and below the line
                leading = (spacing * font.size + top - bottom) / 2
                above.append(leading - top)
                below.append(leading + bottom)
        baseline = y * DPI + above[0]
        if va == "bottom":
            baseline -= sum(above) + sum(below)
        anchor = "rs" if ha == "right" else "ls"
        for i, (s, up) in enumerate(zip(lines, above, strict=True)):
            if i:
                baseline += below[i - 1] + up
            self.draw.text((x * DPI, baseline), s, font=font, fill=colour, anchor=anchor)


def _px(x: float, y: float) -> tuple[int, int]:
    return round(x * DPI), round(y * DPI)


class _Panel:
    """A box of the canvas where x runs 0–100 and y 0–`top` from its bottom edge (`box`:
    left, bottom, width and height in inches from the canvas's top-left corner)."""

    def __init__(self, pen: _Pen, box: tuple[float, float, float, float], top: float) -> None:
        self.pen, self.top = pen, top
        self.left, self.bottom, self.width, self.height = box

    def at(self, x: float, y: float) -> tuple[float, float]:
        """Return where a point of the panel is, in inches from the canvas's corner."""
        return self.left + self.width * x / 100, self.bottom - self.height * y / self.top

    def bar(self, y: float, length: float, height: float, colour: str) -> None:
        """Draw a bar from x = 0, centred on y, as barh does."""
        (x0, y1), (x1, y0) = self.at(0, y - height / 2), self.at(length, y + height / 2)
        self.pen.box(x0, y0, x1, y1, colour)

    def text(self, x: float, y: float, s: str, points: float, colour: str, **kw: Any) -> None:
        """Write text at a point of the panel (kw: bold, va, ha)."""
        self.pen.text(*self.at(x, y), [s], points, colour, **kw)

    def dashed(self, x: float, y0: float, y1: float, colour: str) -> None:
        """Draw a dashed vertical line from y0 up to y1, 1.2 pt wide, 4.8 pt on, 3.6 off."""
        (a, bottom), (__, top) = self.at(x, y0), self.at(x, y1)
        half, on, off = 0.6 / 72, 4.8 / 72, 3.6 / 72
        y = bottom
        while y > top:
            self.pen.box(a - half, max(y - on, top), a + half, y, colour)
            y -= on + off


def _progress(panel: _Panel, plan: Layout, theme: Theme) -> None:
    panel.bar(0.5, 100, 1, theme.track)
    panel.bar(0.5, min(plan.progress_pct or 0.0, 100.0), 1, theme.text)


def _bars(panel: _Panel, plan: Layout, theme: Theme) -> None:
    n = max(len(plan.bars), 1)
    for i, (bar, label) in enumerate(zip(plan.bars, plan.share_labels, strict=True)):
        base = n - 1 - i  # each row: the name and share above, the bar below
        panel.bar(base + 0.22, 100, 0.3, theme.track)
        panel.bar(base + 0.22, bar.share, 0.3, bar.colour)
        panel.text(0, base + 0.45, bar.label, 12, theme.text, va="bottom")
        panel.text(100, base + 0.45, label, 12.5, theme.text, bold=True, va="bottom", ha="right")
    if plan.majority is not None and plan.bars:
        panel.dashed(plan.majority, 0.02, n - 0.5, theme.muted)
        panel.text(plan.majority + 0.6, 0.02, plan.majority_label, 9, theme.muted, va="bottom")


def _png(canvas: PILImage) -> bytes:
    buffer = io.BytesIO()
    canvas.save(buffer, format="png", compress_level=PNG_LEVEL)  # no date: the same bytes
    return buffer.getvalue()
