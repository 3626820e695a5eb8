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
    """Split text into chunks of at most `limit` characters, on line boundaries when possible."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks
