"""A rendered message, ready for one platform: text in its markup, optional blocks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, kw_only=True, slots=True)
class Message:
    """Text in the platform's markup (plain, html or Slack mrkdwn) and optional Block Kit."""

    text: str
    blocks: tuple[dict[str, Any], ...] | None = None

    def to_json(self) -> str:
        """Serialise for the outbox."""
        return json.dumps({"text": self.text, "blocks": self.blocks}, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Message:
        """Rebuild from `to_json` output."""
        d = json.loads(raw)
        blocks = d.get("blocks")
        return cls(text=d["text"], blocks=tuple(blocks) if blocks is not None else None)


def split_text(text: str, limit: int) -> list[str]:
    """Split text into chunks of at most `limit` characters, on line boundaries when possible.

    Joining the chunks with newlines gives the text back, unless a single line had to be cut.
    """
    chunks: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        while len(line) > limit:
            if current is not None:
                chunks.append(current)
                current = None
            chunks.append(line[:limit])
            line = line[limit:]
        if current is None:
            current = line
        elif len(current) + 1 + len(line) <= limit:
            current = f"{current}\n{line}"
        else:
            chunks.append(current)
            current = line
    if current is not None:
        chunks.append(current)
    return chunks
