"""Telegram adapter: python-telegram-bot's Application on our loop; commands in, alerts out."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import timedelta

# Opt in to PTB's coming behaviour (RetryAfter.retry_after as a timedelta) instead of
# triggering its deprecation warning on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram import BotCommand, Update
from telegram import Message as TgMessage
from telegram.constants import ChatType, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.adapters.base import (
    DeliveryError,
    Limits,
    MessageGone,
    Pacer,
    RateLimited,
    Rejected,
    TargetGone,
    TargetMoved,
    TransientError,
)
from bot.adapters.telegram_http import GatedRequest, TelegramSettings
from bot.adapters.telegram_inline import Answerer, InlineMode, PhotoStash
from bot.adapters.telegram_order import InChatOrder
from bot.adapters.telegram_rights import may_manage
from bot.commands import COMMANDS, Handler, Request, menu, needs_rights
from bot.deeplinks import BotLinks
from bot.platforms import TELEGRAM
from bot.render.message import Message, split_text
from bot.render.text import LOCALES

log = logging.getLogger(__name__)

WINDOW_MARGIN = 1.02  # Telegram counts arrivals; leave room for network jitter
EDIT_GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")
GONE_MARKERS = ("chat not found", "user is deactivated", "bot was kicked", "have no rights",
                "need administrator rights in the channel")  # fmt: skip
DEFAULT_MENU = "en"  # the command menu of every language without its own


class TelegramAdapter:
    """Runs PTB's Application with initialize/start and updater polling, never run_polling."""

    platform = "telegram"
    # Whether start() takes updates (getUpdates): Telegram allows one consumer per token,
    # so of several instances only the leader listens (bot.app.leadership).
    listening = True
    # Whether this instance may send now (bot.app.leadership): checked as each request
    # leaves, after PTB's rate limiter, where a send may have waited past a lease's end.
    may_send: Callable[[], bool] = staticmethod(lambda: True)

    def __init__(
        self, settings: TelegramSettings, handle: Handler, *, inline: Answerer | None = None,
        links: BotLinks | None = None, media_chat: str | None = None,
    ) -> None:  # fmt: skip
        self.settings, self.handle, self.links = settings, handle, links
        scale = settings.rate_scale
        self.limits = Limits(per_chat_interval=TELEGRAM.per_chat_interval / scale, concurrency=16)
        # Groups and channels (negative ids, "@name") also get at most 20 messages in any
        # minute: a sliding window, stricter than PTB's leaky bucket, which lets a 21st
        # through after 3 s. A -100… id is a supergroup or a channel: the stricter pace.
        self.pacer = Pacer(
            self.limits.per_chat_interval,
            burst=min(TELEGRAM.group_burst, TELEGRAM.channel_burst),
            window=max(TELEGRAM.group_window, TELEGRAM.channel_window) * WINDOW_MARGIN / scale,
            grouped=lambda chat_id: chat_id.startswith(("-", "@")),
            overall=(TELEGRAM.overall_burst, TELEGRAM.overall_window * WINDOW_MARGIN / scale),
        )
        media = _chat_ref(media_chat) if media_chat else None
        stash = PhotoStash(lambda: self.app.bot, media, self.pacer) if media else None
        self.inline = InlineMode(inline, stash) if inline is not None else None
        self.app: Application = self._build()  # type: ignore[type-arg]

    def _build(self) -> Application:  # type: ignore[type-arg]
        s, scale = self.settings, self.settings.rate_scale
        kwargs = {"trust_env": s.trust_env}
        builder = (
            ApplicationBuilder()
            .token(s.token)
            .base_url(s.base_url)
            .base_file_url(s.base_url.replace("/bot", "/file/bot", 1))
            .request(
                GatedRequest(
                    lambda: self.may_send(),
                    connection_pool_size=32,
                    read_timeout=s.timeout,
                    write_timeout=s.timeout,
                    httpx_kwargs=kwargs,
                )
            )
            .get_updates_request(HTTPXRequest(read_timeout=s.poll_timeout + 5, httpx_kwargs=kwargs))
            .concurrent_updates(InChatOrder())  # chats at once, a chat's updates in order
            .rate_limiter(
                AIORateLimiter(
                    overall_max_rate=TELEGRAM.overall_burst,
                    overall_time_period=TELEGRAM.overall_window / scale,
                    group_max_rate=TELEGRAM.group_burst,
                    group_time_period=TELEGRAM.group_window / scale,
                    max_retries=0,  # the outbox retries, after retry_after
                )
            )
        )
        app = builder.build()
        # Every name and alias Telegram can carry (a bot command is ASCII: not /résultats).
        names = sorted({word for c in COMMANDS for word in c.words if word.isascii()})
        # New messages and channel posts only: PTB also hands a command its edits, and
        # editing "/announce …" broadcast it again.
        new = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
        app.add_handler(CommandHandler(names, self._on_command, new))
        if self.inline is not None:
            app.add_handler(InlineQueryHandler(self.inline.on_query))
        return app

    async def start(self) -> None:
        """Initialise (getMe), register commands, start polling and the application."""
        try:
            await self._start()
        except InvalidToken:
            await self._release()
            # PTB's message quotes the token; ours must not.
            raise RuntimeError(
                "Telegram refused TELEGRAM_BOT_TOKEN; check it with @BotFather"
            ) from None
        except BaseException:
            await self._release()
            raise

    async def _release(self) -> None:
        """Close the connections a failed start opened, so that a later start begins clean."""
        try:
            if self.app._initialized:
                await self.app.shutdown()
            else:
                await self.app.bot.shutdown()
        except Exception as exc:
            log.debug("telegram: cleanup after a failed start: %s", exc)

    async def _start(self) -> None:
        await self.app.initialize()
        if self.links is not None:  # /share's links name the bot (getMe told its username)
            self.links.username = self.app.bot.username
        await self._register_commands()
        if self.listening:
            await self._poll()
        await self.app.start()
        log.info("telegram: %s as @%s", "polling" if self.listening else "started, not polling",
                 self.app.bot.username)  # fmt: skip

    async def _poll(self) -> None:
        assert self.app.updater is not None
        await self.app.updater.start_polling(
            timeout=timedelta(seconds=self.settings.poll_timeout),
            error_callback=self._polling_error,
        )

    async def listen(self, on: bool) -> None:
        """Start or stop taking updates (getUpdates), as this instance leads or not."""
        self.listening = on
        updater = self.app.updater
        if updater is None or not self.app.running:
            return  # not started: start() does as told
        if on and not updater.running:
            await self._poll()
            log.info("telegram: polling as @%s", self.app.bot.username)
        elif not on and updater.running:
            await updater.stop()
            log.info("telegram: polling stopped (another instance leads)")

    async def stop(self) -> None:
        """Stop polling, then the application, then release its connections."""
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    async def _register_commands(self) -> None:
        for language in (DEFAULT_MENU, *(lo for lo in LOCALES if lo != DEFAULT_MENU)):
            commands = [BotCommand(name, text) for name, text in menu(language)]
            code = None if language == DEFAULT_MENU else language
            try:
                await self.app.bot.set_my_commands(commands, language_code=code)
            except TelegramError as exc:
                log.warning("telegram: setMyCommands (%s) failed: %s", language, exc)

    def _polling_error(self, exc: TelegramError) -> None:
        log.warning("telegram: polling error: %s", exc)

    async def send(self, chat_id: str, message: Message) -> None:
        """Send HTML text, split at Telegram's limit, or a photo with the text as its caption;
        map platform errors to ours."""
        if message.image is not None and message.image.data is not None:
            await self._send_photo(chat_id, message.image.data, message.text)
            return
        await self._send_text(chat_id, message.text)

    async def _send_photo(self, chat_id: str, photo: bytes, text: str) -> None:
        """Send a photo captioned with as many whole lines as fit; the rest follows as text.
        A chat that takes no photos (no right to send media) gets the text alone."""
        chunks = split_text(text, TELEGRAM.caption_limit)
        try:
            await self._call(
                self.app.bot.send_photo(
                    chat_id=_chat_ref(chat_id),
                    photo=photo,
                    filename="soiree-results.png",
                    caption=chunks[0] if chunks and chunks[0].strip() else None,
                    parse_mode=ParseMode.HTML,
                )
            )
        except Rejected as exc:
            log.warning("telegram: %s took no photo (%s); sending the text alone", chat_id, exc)
            await self._send_text(chat_id, text)
            return
        rest = "\n".join(chunks[1:])
        if rest.strip():
            await self.pacer.wait(chat_id)
            await self._send_text(chat_id, rest)

    async def _send_text(self, chat_id: str, text: str) -> None:
        chunks = [c for c in split_text(text, TELEGRAM.text_limit) if c.strip()]
        for i, chunk in enumerate(chunks):
            if i:
                await self.pacer.wait(chat_id)  # the caller paced the first part
            await self._call(
                self.app.bot.send_message(
                    chat_id=_chat_ref(chat_id),
                    text=chunk,
                    parse_mode=ParseMode.HTML,
                    disable_web_page_preview=True,
                )
            )

    # --- the live scoreboard: one message, edited in place ------------------------------

    async def post(self, chat_id: str, message: Message) -> str:
        """Send a message and return its id, for later edits."""
        sent = await self._call(
            self.app.bot.send_message(
                chat_id=_chat_ref(chat_id),
                text=_first_part(message.text),
                parse_mode=ParseMode.HTML,
                disable_web_page_preview=True,
                disable_notification=True,
            )
        )
        if not isinstance(sent, TgMessage):
            raise TransientError(f"sendMessage answered {sent!r}, not a message")
        return str(sent.message_id)

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        """Replace a message's text; unchanged text is a success, a deleted message is
        MessageGone."""
        await self._call(self._edit(chat_id, message_id, message))

    async def _edit(self, chat_id: str, message_id: str, message: Message) -> None:
        try:
            await self.app.bot.edit_message_text(
                chat_id=_chat_ref(chat_id),
                message_id=int(message_id),
                text=_first_part(message.text),
                parse_mode=ParseMode.HTML,
                disable_web_page_preview=True,
            )
        except BadRequest as exc:
            reason = exc.message.lower()
            if "message is not modified" in reason:
                return
            if any(marker in reason for marker in EDIT_GONE):
                raise MessageGone(exc.message) from exc
            raise

    async def pin(self, chat_id: str, message_id: str) -> bool:
        """Pin a message quietly, where the bot may pin; return whether it is pinned."""
        try:
            await self._call(
                self.app.bot.pin_chat_message(
                    chat_id=_chat_ref(chat_id),
                    message_id=int(message_id),
                    disable_notification=True,
                )
            )
        except (Rejected, TargetGone) as exc:  # no right to pin here: the message still lives
            log.info("telegram: cannot pin in %s: %s", chat_id, exc)
            return False
        return True

    async def unpin(self, chat_id: str, message_id: str) -> None:
        """Unpin a message; a failure is logged, not raised."""
        try:
            await self._call(
                self.app.bot.unpin_chat_message(
                    chat_id=_chat_ref(chat_id), message_id=int(message_id)
                )
            )
        except DeliveryError as exc:
            log.info("telegram: cannot unpin in %s: %s", chat_id, exc)

    async def _call(self, request: Awaitable[object]) -> object:
        try:
            return await request
        except RetryAfter as exc:
            raise RateLimited(_seconds(exc)) from exc
        except ChatMigrated as exc:
            raise TargetMoved(str(exc.new_chat_id)) from exc
        except Forbidden as exc:
            raise TargetGone(exc.message) from exc
        except BadRequest as exc:
            if any(marker in exc.message.lower() for marker in GONE_MARKERS):
                raise TargetGone(exc.message) from exc
            raise Rejected(exc.message) from exc
        except (NetworkError, TelegramError) as exc:
            raise TransientError(str(exc)) from exc

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if msg is None or chat is None or not msg.text:
            return
        request = Request(
            platform=self.platform,
            chat_id=str(chat.id),
            text=msg.text,
            can_manage=True,
            locale_hint=user.language_code if user else None,
            message_id=str(msg.message_id),
        )
        # The command table says which commands need rights (bot.adapters.telegram_rights
        # says who has them: in a private chat its user, in a channel whoever may post).
        if needs_rights(msg.text) and chat.type != ChatType.PRIVATE:
            request = _with_manage(request, await may_manage(self.app.bot, msg, chat))
        reply = await self.handle(request)
        if reply is not None:
            await self._reply(str(chat.id), reply)

    async def _reply(self, chat_id: str, reply: Message, tries: int = 3) -> None:
        """Answer a command now, within the chat's pace; wait out a 429 a few times."""
        for _ in range(tries):
            await self.pacer.wait(chat_id)
            try:
                await self.send(chat_id, reply)
                return
            except RateLimited as exc:
                await asyncio.sleep(exc.retry_after)
            except TargetMoved as exc:
                chat_id = exc.new_id
        log.warning("telegram: gave up replying in %s after %d tries", chat_id, tries)


def _chat_ref(chat_id: str) -> int | str:
    """Return a numeric id as an int, and a public channel's "@name" as it is."""
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


def _first_part(text: str) -> str:
    """Return what of a text fits one message, cut on a line (never inside a tag)."""
    return split_text(text, TELEGRAM.text_limit)[0]


def _with_manage(request: Request, allowed: bool) -> Request:
    return dataclasses.replace(request, can_manage=allowed)


def _seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
