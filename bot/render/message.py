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


MAX_BLOCKS = 50


def merge(messages: list[Message]) -> Message:
    """Join several messages into one digest: texts one after the other, blocks with dividers."""
    if len(messages) == 1:
        return messages[0]
    text = "\n\n".join(m.text for m in messages)
    if not all(m.blocks for m in messages):
        return Message(text=text)
    blocks: list[dict[str, Any]] = []
    for m in messages:
        if blocks:
            blocks.append({"type": "divider"})
        blocks.extend(m.blocks or ())
    return Message(text=text, blocks=tuple(blocks))


def digests(messages: list[Message], most: int) -> list[int]:
    """Return how many of the leading messages go in each digest, in order: at most `most`
    each, and never more Block Kit blocks than one message may hold."""
    sizes: list[int] = []
    count = blocks = 0
    for m in messages:
        width = len(m.blocks or ())
        if count and (count >= most or blocks + 1 + width > MAX_BLOCKS):
            sizes.append(count)
            count = blocks = 0
        blocks += width + (1 if count else 0)
        count += 1
    if count:
        sizes.append(count)
    return sizes
