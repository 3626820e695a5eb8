"""Results charts: a race's shares as horizontal bars, a PNG drawn with matplotlib (Agg).

Pure: the same race, time and style give the same bytes (no clock, no file, no display).
matplotlib is imported on first use, so the bot starts without paying for it.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from bot.models import Race
from bot.render.text import Renderer, Style

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH_IN = 8.0  # inches at DPI: 1,080 px wide, sharp on a phone and small on the wire
DPI = 135
LEFT = 0.04  # side margins, as a fraction of the width
MARGIN, TITLE_LINE, ROW = 0.3, 0.36, 0.62  # inches
TITLE_CHARS = 50  # a title line at 17 pt bold over the width
MAX_NAME = 40  # characters of a candidate's name before an ellipsis
MAX_BARS = 12  # more candidates are summed up in one "others" bar
# zlib's fastest level: about 10 ms less a chart than PIL's default (6) for some 20 % more
# bytes (55 kB instead of 46 kB for five candidates), the same pixels.
PNG_LEVEL = 1
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
    """Draw a laid-out chart with matplotlib's object API (no pyplot, no global state)."""
    from matplotlib.figure import Figure  # heavy: imported on the first chart only

    title = textwrap.wrap(plan.title, TITLE_CHARS, max_lines=2, placeholder="…") or [""]
    rows = max(len(plan.bars), 1)
    # Heights in inches, top to bottom: margin, title, progress line and bar, bars, footer.
    head = MARGIN + TITLE_LINE * len(title) + 0.62
    height = head + ROW * rows + (0.55 if plan.footer else 0.3)
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI, facecolor=theme.background)

    def y(inches: float) -> float:  # a distance from the top, as a figure fraction
        return 1 - inches / height

    fig.text(LEFT, y(MARGIN), "\n".join(title), fontsize=17, fontweight="bold",
             color=theme.text, va="top", linespacing=1.15)  # fmt: skip
    top = MARGIN + TITLE_LINE * len(title)
    fig.text(LEFT, y(top + 0.08), plan.progress, fontsize=10.5, color=theme.muted, va="top")
    _progress(_Panel(fig, (LEFT, y(top + 0.5), 1 - 2 * LEFT, 0.13 / height), 1), plan, theme)
    _bars(_Panel(fig, (LEFT, y(head + ROW * rows), 1 - 2 * LEFT, ROW * rows / height), rows),
          plan, theme)  # fmt: skip
    if plan.footer:
        fig.text(LEFT, 0.18 / height, plan.footer, fontsize=9, color=theme.muted, va="bottom")
    return _png(fig)


class _Panel:
    """A box of the figure where x runs 0–100 and y 0–`top`, drawn straight on the figure:
    an Axes with its axis off drew the same pixels, but building its ticks and spines took
    half of every chart's time (bench.latency, P1)."""

    def __init__(self, fig: Figure, box: tuple[float, float, float, float], top: float) -> None:
        self.fig, self.top = fig, top
        self.left, self.bottom, self.width, self.height = box

    def at(self, x: float, y: float) -> tuple[float, float]:
        """Return the figure fraction of a point of the panel."""
        return self.left + self.width * x / 100, self.bottom + self.height * y / self.top

    def bar(self, y: float, length: float, height: float, colour: str) -> None:
        """Draw a bar from x = 0, centred on y, as barh does."""
        from matplotlib.patches import Rectangle

        x0, y0 = self.at(0, y - height / 2)
        w, h = self.width * length / 100, self.height * height / self.top
        self.fig.add_artist(
            Rectangle((x0, y0), w, h, facecolor=colour, linewidth=0,
                      transform=self.fig.transFigure)
        )  # fmt: skip

    def text(self, x: float, y: float, s: str, **kw: Any) -> None:
        """Write text at a point of the panel."""
        self.fig.text(*self.at(x, y), s, **kw)

    def dashed(self, x: float, y0: float, y1: float, colour: str) -> None:
        """Draw a dashed vertical line from y0 to y1."""
        from matplotlib.lines import Line2D

        (a, b), (__, c) = self.at(x, y0), self.at(x, y1)
        self.fig.add_artist(
            Line2D([a, a], [b, c], color=colour, linewidth=1.2, linestyle=(0, (4, 3)),
                   transform=self.fig.transFigure)
        )  # fmt: skip


def _progress(panel: _Panel, plan: Layout, theme: Theme) -> None:
    panel.bar(0.5, 100, 1, theme.track)
    panel.bar(0.5, min(plan.progress_pct or 0.0, 100.0), 1, theme.text)


def _bars(panel: _Panel, plan: Layout, theme: Theme) -> None:
    n = max(len(plan.bars), 1)
    for i, (bar, label) in enumerate(zip(plan.bars, plan.share_labels, strict=True)):
        base = n - 1 - i  # each row: the name and share above, the bar below
        panel.bar(base + 0.22, 100, 0.3, theme.track)
        panel.bar(base + 0.22, bar.share, 0.3, bar.colour)
        panel.text(0, base + 0.45, bar.label, fontsize=12, color=theme.text, va="bottom")
        panel.text(100, base + 0.45, label, fontsize=12.5, fontweight="bold", color=theme.text,
                   va="bottom", ha="right")  # fmt: skip
    if plan.majority is not None and plan.bars:
        panel.dashed(plan.majority, 0.02, n - 0.5, theme.muted)
        panel.text(plan.majority + 0.6, 0.02, plan.majority_label, fontsize=9,
                   color=theme.muted, ha="left", va="bottom")  # fmt: skip


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    # No software or date stamp: the same chart gives the same bytes.
    metadata: dict[str, Any] = {"Software": None}
    fig.savefig(buffer, format="png", dpi=DPI, facecolor=fig.get_facecolor(), metadata=metadata,
                pil_kwargs={"compress_level": PNG_LEVEL})  # fmt: skip
    return buffer.getvalue()
