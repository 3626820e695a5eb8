"""A chart in a Slack alert: the picture is uploaded once without being shared, then the
alert's Block Kit message shows it in an image block (`slack_file`), its layout kept."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_api import api
from bot.platforms import SLACK
from bot.render.message import Image, Message

FILENAME = "soiree-results.png"
KEPT = 256  # uploaded pictures remembered, by content: a night draws a few hundred
NOT_READY_TRIES = 3  # posts refused for a file not processed yet, before it goes without


class ChartFiles:
    """Uploads each picture once (an unshared file: nobody sees it until a message shows it)
    and remembers its file id by content, so that a retry or another channel reuses it."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._ids: OrderedDict[str, str] = OrderedDict()  # image key → Slack file id
        self._refused: dict[str, int] = {}  # image key → posts refused as not ready

    async def file_id(self, image: Image) -> str:
        """Return the Slack file id of this picture, uploading it the first time."""
        known = self._ids.get(image.key)
        if known is not None:
            self._ids.move_to_end(image.key)
            return known
        assert image.data is not None
        response = await api(
            self.client.files_upload_v2(
                file=image.data, filename=FILENAME, title=image.alt, alt_txt=image.alt
            )
        )
        file = response.get("file") or {}
        file_id = str(file.get("id") or "")
        if not file_id:
            raise ValueError("files.completeUploadExternal answered without a file id")
        self._ids[image.key] = file_id
        while len(self._ids) > KEPT:
            self._ids.popitem(last=False)
        return file_id

    def not_ready(self, image: Image) -> bool:
        """Count a post refused because the file was not processed yet; return True while
        it may be tried again, False once it should go without its picture."""
        self._refused[image.key] = tries = self._refused.get(image.key, 0) + 1
        return tries < NOT_READY_TRIES


def with_picture(message: Message, file_id: str) -> Message | None:
    """Return the message with an image block showing the file after its blocks, or None
    when it has no Block Kit layout or no room for one more block."""
    if not message.blocks or len(message.blocks) >= SLACK.max_blocks or message.image is None:
        return None
    block: dict[str, Any] = {
        "type": "image",
        "slack_file": {"id": file_id},
        "alt_text": message.image.alt[: SLACK.max_alt_text],
    }
    return Message(text=message.text, blocks=(*message.blocks, block), image=message.image)
