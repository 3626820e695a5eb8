"""A rendered message, ready for one platform: text in its markup, optional blocks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

from bot.platforms import SLACK


@dataclass(frozen=True, kw_only=True, slots=True)
class Image:
    """A picture sent with a message (a results chart). The outbox keeps its `key`, the
    store keeps the bytes once, however many chats it goes to."""

    key: str
    alt: str
    data: bytes | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, data: bytes, alt: str) -> Image:
        """Return an image keyed by its content."""
        return cls(key=hashlib.sha256(data).hexdigest()[:32], alt=alt, data=data)


@dataclass(frozen=True, kw_only=True, slots=True)
class Message:
    """Text in the platform's markup (plain, html or Slack mrkdwn), optional Block Kit, and
    an optional image (the text is then its caption)."""

    text: str
    blocks: tuple[dict[str, Any], ...] | None = None
    image: Image | None = None

    def with_image(self, image: Image | None) -> Message:
        """Return this message carrying `image`."""
        return replace(self, image=image)


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


def merge(messages: list[Message]) -> Message:
    """Join several messages into one digest: texts one after the other, blocks with dividers."""
    if len(messages) == 1:
        return messages[0]
    text = "\n\n".join(m.text for m in messages)
    image = next((m.image for m in reversed(messages) if m.image is not None), None)
    if not all(m.blocks for m in messages):
        return Message(text=text, image=image)
    blocks: list[dict[str, Any]] = []
    for m in messages:
        if blocks:
            blocks.append({"type": "divider"})
        blocks.extend(m.blocks or ())
    return Message(text=text, blocks=tuple(blocks), image=image)


def digests(messages: list[Message], most: int, caption_limit: int | None = None) -> list[int]:
    """Return how many of the leading messages go in each digest, in order: at most `most`
    each, never more Block Kit blocks than one message may hold, at most one picture, and
    a digest with a picture never longer than the platform's caption (`caption_limit`), so
    that it stays one call: a retry then never sends the picture twice."""
    sizes: list[int] = []
    count = blocks = chars = 0
    pictured = False
    for m in messages:
        width, has_image = len(m.blocks or ()), m.image is not None
        if count and not _joins(m, most, caption_limit, count, blocks, chars, pictured):
            sizes.append(count)
            count = blocks = chars = 0
            pictured = False
        blocks += width + (1 if count else 0)
        chars += len(m.text) + (2 if count else 0)
        count += 1
        pictured = pictured or has_image
    if count:
        sizes.append(count)
    return sizes


def _joins(
    m: Message, most: int, caption_limit: int | None, count: int, blocks: int, chars: int,
    pictured: bool,
) -> bool:  # fmt: skip
    """Return True when `m` may join the digest being built."""
    if count >= most or blocks + 1 + len(m.blocks or ()) > SLACK.max_blocks:
        return False
    if m.image is not None and pictured:
        return False
    if caption_limit is None or not (pictured or m.image is not None):
        return True
    return chars + 2 + len(m.text) <= caption_limit
