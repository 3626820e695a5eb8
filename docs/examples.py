"""Render the README's example images from the demo night: two charts, and the live
scoreboard as Telegram shows it (its real text, drawn in a chat bubble).

    python docs/examples.py      (from the repository root; `make examples`)
"""

from __future__ import annotations

import html
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Ellipse, FancyBboxPatch  # noqa: E402

from bot.__main__ import main  # noqa: E402
from bot.config import load  # noqa: E402
from bot.formats.registry import parse  # noqa: E402
from bot.render.text import Renderer, Style  # noqa: E402

DOCS = ROOT / "docs"
DEMO = ROOT / "config" / "demo"
CONFIG = ROOT / "config" / "demo.toml"


def charts() -> None:
    """Draw two charts through the command line, as a user would."""
    for version, extra in (
        ("10-22h30.json", ["--out", str(DOCS / "chart-fr.png")]),
        ("12-23h55.json", ["--out", str(DOCS / "chart-en-dark.png"), "--locale", "en",
                           "--theme", "dark"]),
    ):  # fmt: skip
        main(["chart", str(DEMO / version), "--config", str(CONFIG), *extra])


def live_message() -> str:
    """Return the live scoreboard's text for Telegram (HTML) at 22:30 on the demo night."""
    config = load(CONFIG)
    raw = (DEMO / "10-22h30.json").read_bytes()
    snap = parse("canonical-json", raw, "demo", {}, datetime.now(UTC))
    style = Style(locale="fr", tz=config.tz, markup="html", source=config.source_label("demo"))
    return Renderer(style).live(snap.races[0], snap.updated_at, "10").text


def draw_bubble(text: str, out: Path) -> None:
    """Draw an HTML message the way a chat shows it: bold and italic lines, in a bubble."""
    lines = text.split("\n")
    height = 0.9 + 0.34 * len(lines)
    fig = Figure(figsize=(7.2, height), dpi=135, facecolor="#D5E3C8")
    fig.patches.append(_box(fig, 0.03, 1 - 0.55 / height, 0.94, 0.4 / height, "#FFFFFF"))
    fig.text(0.06, 1 - 0.35 / height, "Message épinglé", fontsize=10,
             color="#3390EC", va="center", fontweight="bold")  # fmt: skip
    fig.patches.append(_box(fig, 0.03, 0.12 / height, 0.94, (0.34 * len(lines) + 0.1) / height))
    y = 1 - 0.85 / height
    for line in lines:
        plain = html.unescape(re.sub(r"</?[bi]>", "", line))
        weight = "bold" if line.startswith("<b>") else "normal"
        style = "italic" if line.startswith("<i>") else "normal"
        colour = "#707579" if style == "italic" else "#000000"
        x = 0.06
        if plain.startswith("🔴"):
            fig.patches.append(_dot(fig, x + 0.008, y))
            plain, x = plain.removeprefix("🔴").lstrip(), x + 0.03
        size = 9 if style == "italic" else 11.5
        fig.text(x, y, plain, fontsize=size, fontweight=weight, fontstyle=style, color=colour,
                 va="center", wrap=True)  # fmt: skip
        y -= 0.34 / height
    fig.savefig(out, format="png", facecolor=fig.get_facecolor(), metadata={"Software": None})
    print(f"{out}: the live scoreboard, {len(lines)} lines")


def _box(
    fig: Figure, x: float, y: float, w: float, h: float, colour: str = "#FFFFFF"
) -> FancyBboxPatch:
    return FancyBboxPatch(
        (x, y), w, h, boxstyle="round,pad=0,rounding_size=0.02",
        transform=fig.transFigure, facecolor=colour, edgecolor="none",
    )  # fmt: skip


def _dot(fig: Figure, x: float, y: float) -> Ellipse:
    w, h = fig.get_size_inches()
    return Ellipse((x, y), 0.14 / w, 0.14 / h, transform=fig.transFigure, color="#E53935")


if __name__ == "__main__":
    charts()
    draw_bubble(live_message(), DOCS / "live-telegram.png")
