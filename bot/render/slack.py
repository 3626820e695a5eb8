"""Slack Block Kit layout: headline first, standings as a table, context line. Pure."""

from __future__ import annotations

from typing import Any

from bot.platforms import SLACK
from bot.render.message import split_text

FENCE = "```"


def escape(text: str) -> str:
    """Escape text for mrkdwn: only &, < and > (so a name can never be a <!channel> ping)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def table(rows: list[tuple[str, ...]]) -> str:
    """Return already-escaped rows as a code block, columns aligned (names left, figures right)."""
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    return FENCE + "\n" + "\n".join(lines) + "\n" + FENCE


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _sections(item: str) -> list[dict[str, Any]]:
    """Split one body item into sections within the limit; a table keeps its fences."""
    if len(item) <= SLACK.max_section:
        return [_section(item)]
    if item.startswith(FENCE):
        inner = item[len(FENCE) + 1 : -len(FENCE) - 1]
        size = SLACK.max_section - 2 * (len(FENCE) + 1)
        return [_section(f"{FENCE}\n{chunk}\n{FENCE}") for chunk in split_text(inner, size)]
    return [_section(chunk) for chunk in split_text(item, SLACK.max_section)]


def blocks(headline: str, body: list[str], footer: str) -> tuple[dict[str, Any], ...]:
    """Lay out a message: the headline, then the body items, then a context line."""
    out = [_section(headline[: SLACK.max_section])]
    prose: list[str] = []
    for item in body:
        if item.startswith(FENCE):
            if prose:
                out += _sections("\n".join(prose))
                prose = []
            out += _sections(item)
        else:
            prose.append(item)
    if prose:
        out += _sections("\n".join(prose))
    if len(out) > SLACK.max_blocks - 1:
        out = [*out[: SLACK.max_blocks - 2], _section("…")]
    if not footer:
        return tuple(out)
    context = {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": footer[: SLACK.max_section]}],
    }
    return (*out, context)


def fallback(headline: str, body: list[str], footer: str) -> str:
    """Return the plain `text` of a message: what notifications and screen readers show."""
    text = "\n".join([headline, *body, footer])
    limit = SLACK.max_fallback
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mrkdwn(blocks: tuple[dict[str, Any], ...]) -> str:
    """Return the text of section and context blocks as one mrkdwn text (a file's comment
    cannot carry blocks); dividers become blank lines."""
    parts: list[str] = []
    for block in blocks:
        if block.get("type") == "section":
            parts.append(block["text"]["text"])
        elif block.get("type") == "context":
            parts.extend(e.get("text", "") for e in block.get("elements", ()))
        elif block.get("type") == "divider":
            parts.append("")
    return "\n".join(parts)
