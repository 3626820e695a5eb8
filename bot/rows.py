"""The outbox rows of a version's announcements: each chat's message, with its chart when
it takes one, split into the parts its platform accepts."""

from __future__ import annotations

from bot.events import Event
from bot.platforms import platform_named
from bot.render.message import Image, Message, split_text
from bot.store import Delivery, Subscription

Plan = list[list[tuple[Subscription, bool]]]  # per event: its chats, and whether each takes a chart


def assembled(
    events: list[Event],
    plan: Plan,
    texts: dict[tuple[int, str, str], Message],
    images: dict[tuple[int, str], Image | None],
) -> list[Delivery]:
    """Return the outbox rows of every event for its chats, each message with its chart
    when the chat takes one (pure: runs in the worker)."""
    out: list[Delivery] = []
    for i, (event, chats) in enumerate(zip(events, plan, strict=True)):
        # One split per platform, language and chart choice, shared by the chats.
        parts: dict[tuple[str, str, bool], list[Message]] = {}
        for sub, wants in chats:
            style = (sub.platform, sub.locale, wants)
            if style not in parts:
                message = texts[i, sub.platform, sub.locale]
                if wants:
                    message = message.with_image(images[i, sub.locale])
                parts[style] = parts_of(message, sub.platform)
            out.extend(rows_of(event, sub, parts[style]))
    return out


def parts_of(message: Message, platform: str) -> list[Message]:
    """Split a message into parts the platform accepts, each its own outbox row, so that a
    retry never sends a part twice: a picture with the caption that fits it, then text."""
    spec = platform_named(platform)
    limit, caption = spec.text_limit, spec.caption_limit
    text, first = message.text, []
    if message.image is not None and caption is not None and len(text) > caption:
        head, *rest = split_text(text, caption)
        first, text = [Message(text=head, image=message.image)], "\n".join(rest)
    elif limit is None or len(text) <= limit:
        return [message]
    chunks = [chunk for chunk in split_text(text, limit or len(text)) if chunk.strip()]
    if first:
        return first + [Message(text=c) for c in chunks]
    return [Message(text=c, image=message.image if i == 0 else None) for i, c in enumerate(chunks)]


def rows_of(event: Event, sub: Subscription, parts: list[Message]) -> list[Delivery]:
    """Return the outbox rows of one event's parts for one chat."""
    return [
        Delivery(
            event_key=event.key if i == 0 else f"{event.key}#{i + 1}",
            platform=sub.platform,
            chat_id=sub.chat_id,
            message=part,
        )
        for i, part in enumerate(parts)
    ]
