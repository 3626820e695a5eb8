"""Telegram's inline mode: "@SoireeBot Paris" in any chat lists the races it names, and the
one chosen is sent there as its result card; a chart goes as a photo, by a file_id the bot
got by uploading it once to a media chat (an inline answer cannot upload a file)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from telegram import (
    Bot,
    InlineQueryResultArticle,
    InlineQueryResultCachedPhoto,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram import Message as TgMessage
from telegram.constants import InlineQueryLimit, InlineQueryResultsButtonLimit, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.adapters.base import Pacer
from bot.commands.inline import Card, Cards
from bot.platforms import TELEGRAM
from bot.render.message import Image, split_text

log = logging.getLogger(__name__)

CACHE_TIME = 5  # seconds Telegram may give the same answer again: the count moves on
PHOTO_BUDGET = 3.0  # seconds an answer waits for its charts' uploads; the rest go as text
MAX_UPLOADS = 3  # charts one answer uploads at most (the media chat takes one a second)
STASHED = 256  # file ids kept, newest last
MAX_BUTTON_TEXT = 64
MAX_ID_BYTES = 64  # an inline result's id


class Answerer(Protocol):
    """bot.commands.inline.Inline: cards for a query, in the user's language."""

    async def answer(
        self, query: str, locale_hint: str | None, *, platform: str = ..., charts: bool = ...
    ) -> Cards:
        """Return the cards of the races a query names."""
        ...


def result_id(race_id: str) -> str:
    """Return a race's result id: a digest, whatever the id's length or characters."""
    return hashlib.sha256(race_id.encode()).hexdigest()[:32]


class PhotoStash:
    """Charts uploaded once to the media chat (quietly, at its pace); their file ids by the
    image's content key, for photo results."""

    def __init__(self, bot: Callable[[], Bot], chat_id: int | str, pacer: Pacer) -> None:
        self.bot, self.chat_id, self.pacer = bot, chat_id, pacer
        self._ids: OrderedDict[str, str] = OrderedDict()

    def known(self, image: Image) -> str | None:
        """Return the file id of an image uploaded before, or None."""
        return self._ids.get(image.key)

    async def upload_all(self, images: list[Image], within: float) -> None:
        """Upload the images not stashed yet, one after another, for at most `within` s."""
        todo = [i for i in images if i.data is not None and i.key not in self._ids]
        if not todo:
            return
        try:
            await asyncio.wait_for(self._upload(todo[:MAX_UPLOADS]), within)
        except TimeoutError:
            log.info("telegram: inline charts not all uploaded within %g s", within)

    async def _upload(self, images: list[Image]) -> None:
        for image in images:
            assert image.data is not None
            await self.pacer.wait(str(self.chat_id))
            try:
                sent = await self.bot().send_photo(
                    chat_id=self.chat_id, photo=image.data, filename="soiree-results.png",
                    disable_notification=True,
                )  # fmt: skip
            except TelegramError as exc:
                log.warning("telegram: media chat %s took no chart: %s", self.chat_id, exc)
                return
            if isinstance(sent, TgMessage) and sent.photo:
                self._ids[image.key] = sent.photo[-1].file_id
                while len(self._ids) > STASHED:
                    self._ids.popitem(last=False)


class InlineMode:
    """Answers inline_query updates within answerInlineQuery's limits: at most 50 results
    with ids of at most 64 bytes, a short cache, not personal, a button to subscribe."""

    def __init__(self, inline: Answerer, stash: PhotoStash | None = None) -> None:
        self.inline, self.stash = inline, stash

    async def on_query(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer an inline query; a failure (the query too old) is logged."""
        query = update.inline_query
        if query is None:
            return
        cards = await self.inline.answer(
            query.query, query.from_user.language_code, platform="telegram",
            charts=self.stash is not None,
        )  # fmt: skip
        results = await self.results(cards)
        try:
            await query.answer(
                results, cache_time=CACHE_TIME, is_personal=False, button=button(cards)
            )
        except TelegramError as exc:
            log.warning("telegram: answerInlineQuery failed: %s", exc)

    async def results(
        self, cards: Cards
    ) -> list[InlineQueryResultArticle | InlineQueryResultCachedPhoto]:
        """Return the cards as inline results, photos where the chart is uploaded."""
        shown = cards.cards[: InlineQueryLimit.RESULTS]
        if self.stash is not None:
            images = [c.message.image for c in shown if _fits_caption(c)]
            await self.stash.upload_all([i for i in images if i is not None], PHOTO_BUDGET)
        return [self._result(card) for card in shown]

    def _result(self, card: Card) -> InlineQueryResultArticle | InlineQueryResultCachedPhoto:
        image = card.message.image
        file_id = self.stash.known(image) if self.stash and image and _fits_caption(card) else None
        if file_id is not None:
            return InlineQueryResultCachedPhoto(
                id=result_id(card.race_id), photo_file_id=file_id, title=card.title,
                description=card.description, caption=card.message.text,
                parse_mode=ParseMode.HTML,
            )  # fmt: skip
        text = split_text(card.message.text, TELEGRAM.text_limit)[0]
        return InlineQueryResultArticle(
            id=result_id(card.race_id), title=card.title, description=card.description,
            input_message_content=InputTextMessageContent(
                text, parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            ),
        )  # fmt: skip


def button(cards: Cards) -> InlineQueryResultsButton | None:
    """Return the button that opens a private chat with the bot, subscribed by its start
    parameter (1-64 characters of A-Za-z0-9_-, which deep links ensure)."""
    limit = InlineQueryResultsButtonLimit.MAX_START_PARAMETER_LENGTH
    if not 1 <= len(cards.payload) <= limit:
        return None
    return InlineQueryResultsButton(
        text=cards.button[:MAX_BUTTON_TEXT], start_parameter=cards.payload
    )


def _fits_caption(card: Card) -> bool:
    """Say whether a card can go as a photo: a chart, and a text that its caption holds
    whole (an inline result has no second message for the rest)."""
    image = card.message.image
    fits = len(card.message.text) <= TELEGRAM.caption_limit
    return image is not None and image.data is not None and fits
