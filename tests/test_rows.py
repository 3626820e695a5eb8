"""The outbox rows of a version's announcements: charts where chats take them, parts that fit."""

from __future__ import annotations

from bot.render.message import Image, Message
from bot.rows import assembled, parts_of, rows_of
from bot.store import Subscription
from tests.builders import all_events

PICTURE = Image(key="k" * 32, alt="chart", data=b"png")


def sub(chat: str, locale: str = "fr", platform: str = "telegram") -> Subscription:
    return Subscription(platform=platform, chat_id=chat, race="r1", locale=locale)


def test_only_the_chats_that_take_a_chart_get_it_and_each_language_its_own() -> None:
    event = all_events()[0]
    plan = [[(sub("1"), True), (sub("2"), False), (sub("3", "en"), True)]]
    texts = {(0, "telegram", "fr"): Message(text="fr"), (0, "telegram", "en"): Message(text="en")}
    english = Image(key="e" * 32, alt="chart", data=b"png")
    rows = assembled([event], plan, texts, {(0, "fr"): PICTURE, (0, "en"): english})
    assert [(r.chat_id, r.message.text, r.message.image) for r in rows] == [
        ("1", "fr", PICTURE),
        ("2", "fr", None),
        ("3", "en", english),
    ]
    assert {r.event_key for r in rows} == {event.key}


def test_a_chart_that_could_not_be_drawn_leaves_the_text() -> None:
    event = all_events()[0]
    rows = assembled([event], [[(sub("1"), True)]], {(0, "telegram", "fr"): Message(text="t")},
                     {(0, "fr"): None})  # fmt: skip
    assert [r.message for r in rows] == [Message(text="t")]


def test_a_caption_too_long_for_telegram_goes_as_a_picture_then_text_rows() -> None:
    text = "\n".join(f"ligne {i} " + "x" * 60 for i in range(40))  # about 2,800 characters
    parts = parts_of(Message(text=text, image=PICTURE), "telegram")
    assert parts[0].image == PICTURE
    assert len(parts[0].text) <= 1024
    assert all(p.image is None for p in parts[1:])
    assert "\n".join(p.text for p in parts) == text
    event = all_events()[0]
    keys = [r.event_key for r in rows_of(event, sub("1"), parts)]
    assert keys == [event.key, *(f"{event.key}#{i}" for i in range(2, len(parts) + 1))]


def test_a_platform_without_limits_takes_the_message_whole() -> None:
    message = Message(text="x" * 10_000, image=PICTURE)
    assert parts_of(message, "console") == [message]
