"""Charts on Slack, with the real slack-sdk client against the fake Slack Web API: each
picture uploaded once and not shared, then shown by an image block; the limits of a layout."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_files import NOT_READY_TRIES, ChartFiles, with_picture
from bot.platforms import SLACK
from bot.render.message import Image, Message
from tests.fakes.slack import FakeSlack

PNG = b"\x89PNG\r\n\x1a\n" + b"chart" * 20
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Primaire*"}}


async def test_a_picture_is_uploaded_once_unshared_and_its_id_kept(slack: FakeSlack) -> None:
    files = ChartFiles(AsyncWebClient(token=slack.bot_token, base_url=slack.api_url))
    image = Image.of(PNG, "Results chart")
    first = await files.file_id(image)
    again = await files.file_id(Image.of(PNG, "Results chart"))  # the same content
    other = await files.file_id(Image.of(PNG + b"!", "Results chart"))
    assert first == again != other
    assert len(slack.uploads) == 2
    assert slack.uploads[first].data == PNG
    assert slack.uploads[first].completed
    assert slack.uploads[first].channel is None  # uploaded, not shared


def test_a_file_not_ready_is_tried_a_bounded_number_of_times() -> None:
    files = ChartFiles(AsyncWebClient(token="xoxb-unused"))
    image = Image.of(PNG, "chart")
    assert [files.not_ready(image) for _ in range(NOT_READY_TRIES)] == [True] * (
        NOT_READY_TRIES - 1
    ) + [False]


def test_the_picture_goes_at_the_end_of_the_layout_when_there_is_room() -> None:
    image = Image.of(PNG, "x" * 5000)
    message = Message(text="Primaire", blocks=(SECTION,), image=image)
    pictured = with_picture(message, "F123")
    assert pictured is not None
    assert pictured.blocks == (SECTION, {"type": "image", "slack_file": {"id": "F123"},
                                         "alt_text": "x" * SLACK.max_alt_text})  # fmt: skip
    assert with_picture(Message(text="Primaire", image=image), "F123") is None  # no layout
    full = Message(text="t", blocks=(SECTION,) * SLACK.max_blocks, image=image)
    assert with_picture(full, "F123") is None  # no room for one more block
