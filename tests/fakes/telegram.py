"""A fake Telegram Bot API on 127.0.0.1, strict like the real one: limits, HTML, error bodies.

The real python-telegram-bot is pointed at it with `base_url`. Limits can be time-scaled:
with `scale=10`, one message per chat per 0.1 s, twenty per group per 6 s, thirty per 0.1 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "span", "tg-spoiler", "blockquote", "tg-emoji",
}  # fmt: skip
BARE_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # sendPhoto: 10 MB
MAX_PHOTO_SIDES = 10_000  # width + height
MAX_PHOTO_RATIO = 20
JSON_FIELDS = {"reply_markup", "entities", "commands", "scope", "link_preview_options",
               "results", "button"}  # fmt: skip
BOT_USERNAME = "SoireeBot"
PER_CHAT_BURST = 2.0
# What getChatMember says of an administrator the creator promoted, besides its status.
ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": False, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": False, "can_invite_users": True,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
    "can_pin_messages": True,
}  # fmt: skip
# Who a message "sent as the group" (by an anonymous administrator) comes from.
ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                   "username": "GroupAnonymousBot"}  # fmt: skip
OVERALL_PER_SECOND = 30.0
# answerInlineQuery (core.telegram.org/bots/api#answerinlinequery): at most 50 results, each
# id 1-64 bytes; a start parameter of 1-64 characters from A-Za-z0-9_- (t.me's deep links
# too); the query answered within about 10 seconds, once.
MAX_INLINE_RESULTS = 50
MAX_RESULT_ID_BYTES = 64
START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
INLINE_TIMEOUT = 10.0
MAX_INLINE_QUERY = 256
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class _Entities(HTMLParser):
    """Parses Telegram's HTML subset; collects the visible text; records the first error."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS and self.error is None:
            self.error = f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if (not self.stack or self.stack[-1] != tag) and self.error is None:
            self.error = f'Unexpected end tag "{tag}"'
        elif self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(text: str) -> tuple[str, str | None]:
    """Return (visible text, error or None) as Telegram would parse HTML."""
    if BARE_AMP.search(text):
        return text, "Can't parse entities: character '&' is reserved and must be escaped"
    parser = _Entities()
    parser.feed(text)
    parser.close()
    if parser.error is None and parser.stack:
        parser.error = f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"'
    elif parser.error is not None:
        parser.error = "Can't parse entities: " + parser.error
    return "".join(parser.text), parser.error


@dataclass
class Call:
    """One API call the fake received."""

    method: str
    params: dict[str, Any]
    t: float
    status: int = 0  # set when answered; 0 while the call is still being handled
    who: str = ""  # which client called, when its base URL names it (base_url_as)
    answered: float = 0.0  # time.monotonic() when the answer was ready; 0 until then


@dataclass
class Scripted:
    """A failure to answer instead of the real result."""

    method: str
    status: int
    body: dict[str, Any]
    chat_id: int | None = None
    times: int = 1
    stall: float = 0.0


@dataclass
class InlineAnswer:
    """One answerInlineQuery the fake accepted."""

    query_id: str
    results: list[dict[str, Any]]
    cache_time: int
    is_personal: bool
    button: dict[str, Any] | None


@dataclass
class FakeTelegram:
    """The fake server. `scale` speeds up the rate limits."""

    scale: float = 1.0
    token: str = "123456:TEST-token"
    calls: list[Call] = field(default_factory=list)
    scripted: list[Scripted] = field(default_factory=list)
    owners: set[tuple[int, int]] = field(default_factory=set)  # (chat, user): the creator
    admins: set[tuple[int, int]] = field(default_factory=set)  # promoted administrators
    gone: set[tuple[int, int]] = field(default_factory=set)  # members who left the chat
    url: str = ""
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _update_id: int = 0
    _message_id: int = 0
    _new_update: asyncio.Condition = field(default_factory=asyncio.Condition)
    _per_chat: dict[int, tuple[float, float]] = field(default_factory=dict)
    _per_group: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _budget: tuple[float, float] = (30.0, 0.0)
    _texts: dict[tuple[int, int], str] = field(default_factory=dict)
    _kinds: dict[tuple[int, int], str] = field(default_factory=dict)  # "text" or "photo"
    pinned: dict[int, int] = field(default_factory=dict)  # chat id → pinned message id
    # Groups where the bot is an admin with the right to pin (in private chats it always may).
    can_pin: set[int] = field(default_factory=set)
    # Groups whose members (the bot included) may not send photos.
    no_media: set[int] = field(default_factory=set)
    # Channels: id → its public @username (or None); the bot posts where it is an admin.
    channels: dict[int, str | None] = field(default_factory=dict)
    channel_admin: set[int] = field(default_factory=set)
    inline_answers: list[InlineAnswer] = field(default_factory=list)
    _inline: dict[str, tuple[float, str]] = field(default_factory=dict)  # id → (asked, query)
    _inline_id: int = 0
    _file_ids: set[str] = field(default_factory=set)  # photos sent, by file id
    _runner: web.AppRunner | None = None

    # --- set-up -----------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on an ephemeral port of 127.0.0.1."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        app.router.add_route("*", "/as/{who}/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """Return the value for PTB's `base_url`."""
        return f"{self.url}/bot"

    def base_url_as(self, who: str) -> str:
        """Return a `base_url` whose calls are recorded as `who`'s (two instances of a bot)."""
        return f"{self.url}/as/{who}/bot"

    # --- scripting and inspection -------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        *,
        parameters: dict[str, Any] | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` (to `chat_id`) with a real error body."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.scripted.append(Scripted(method, status, body, chat_id, times))

    def stall_next(self, method: str, seconds: float, *, chat_id: int | None = None) -> None:
        """Hold the next call of `method` for `seconds`, then fail it undelivered (a timeout
        on the client's side, before Telegram processed the message)."""
        body = {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        self.scripted.append(Scripted(method, 502, body, chat_id, 1, seconds))

    def push_command(
        self,
        text: str,
        *,
        chat_id: int,
        user_id: int = 42,
        chat_type: str = "supergroup",
        language: str = "fr",
        message_id: int | None = None,
        sender_chat: bool = False,
    ) -> int:
        """Queue a message with a bot_command entity, as a group member would type it; return
        its message id. Give `message_id` to deliver a message again (as Telegram does when
        its update was not confirmed); `sender_chat` sends it as the group itself, as an
        anonymous group administrator does."""
        if message_id is None:
            self._message_id += 1
            message_id = self._message_id
        message = self._command_message(text, chat_id, user_id, chat_type, language, message_id)
        if sender_chat:
            message["from"] = dict(ANONYMOUS_ADMIN)
            message["sender_chat"] = dict(message["chat"])
        self._push({"message": message})
        return message_id

    def edit_command(
        self, message_id: int, text: str, *, chat_id: int, user_id: int = 42,
        chat_type: str = "supergroup", language: str = "fr",
    ) -> None:  # fmt: skip
        """Queue an edited_message update: the member changed the text of a message sent."""
        message = self._command_message(text, chat_id, user_id, chat_type, language, message_id)
        message["edit_date"] = int(time.time())
        self._push({"edited_message": message})

    def _command_message(
        self, text: str, chat_id: int, user_id: int, chat_type: str, language: str,
        message_id: int,
    ) -> dict[str, Any]:  # fmt: skip
        command = text.split(maxsplit=1)[0]
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type, "title": f"Group {chat_id}"},
            "from": {
                "id": user_id,
                "is_bot": False,
                "first_name": "User",
                "language_code": language,
            },
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        }

    def _push(self, update: dict[str, Any]) -> None:
        self._update_id += 1
        self._updates.append({"update_id": self._update_id, **update})
        asyncio.get_running_loop().create_task(self._notify())

    def fetched(self) -> bool:
        """Return True once the bot has confirmed every update queued so far."""
        offsets = [int(c.params.get("offset") or 0) for c in self.calls if c.method == "getupdates"]
        return max(offsets, default=0) > self._update_id

    async def _notify(self) -> None:
        async with self._new_update:
            self._new_update.notify_all()

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Return the successful sendMessage calls, optionally to one chat."""
        return [
            c
            for c in self.calls
            if c.method == "sendmessage"
            and c.status == 200
            and (chat_id is None or c.params.get("chat_id") == chat_id)
        ]

    def answered(self, method: str, chat_id: int | None = None) -> list[Call]:
        """Return the successful calls of a method (lower case), optionally to one chat."""
        return [
            c
            for c in self.calls
            if c.method == method
            and c.status == 200
            and (chat_id is None or c.params.get("chat_id") == chat_id)
        ]

    def text_of(self, chat_id: int, message_id: int) -> str | None:
        """Return a message's current text as the chat sees it, None if it is gone."""
        return self._texts.get((chat_id, message_id))

    def delete_message(self, chat_id: int, message_id: int) -> None:
        """Delete a message, as a group admin would by hand."""
        self._texts.pop((chat_id, message_id), None)
        self._kinds.pop((chat_id, message_id), None)
        if self.pinned.get(chat_id) == message_id:
            del self.pinned[chat_id]

    def refused(self, status: int) -> list[Call]:
        """Return the calls answered with this error status."""
        return [c for c in self.calls if c.status == status]

    # --- the API ----------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"].lower()
        params = await _params(request)
        call = Call(method, params, time.monotonic(), who=request.match_info.get("who", ""))
        ref = params.get("chat_id")
        if isinstance(ref, str) and ref.startswith("@"):  # a public channel, by its name
            found = [i for i, name in self.channels.items() if name and f"@{name}" == ref]
            if not found:
                self.calls.append(call)
                call.status = 400
                return _error(400, "Bad Request: chat not found")
            params["chat_ref"], params["chat_id"] = ref, found[0]
        self.calls.append(call)
        scripted = self._scripted(method, params)
        if scripted is not None and scripted.stall:
            await asyncio.sleep(scripted.stall)  # the client times out and gives up first
        if scripted is not None:
            call.status = scripted.status
            return web.json_response(scripted.body, status=scripted.status)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            call.status = 404
            return _error(404, "Not Found: method not found")
        response: web.Response = await handler(params, call)
        call.status, call.answered = response.status, time.monotonic()
        return response

    def _scripted(self, method: str, params: dict[str, Any]) -> Scripted | None:
        for s in self.scripted:
            if s.method.lower() == method and s.chat_id in (None, params.get("chat_id")):
                s.times -= 1
                if s.times <= 0:
                    self.scripted.remove(s)
                return s
        return None

    async def _m_getme(self, params: dict[str, Any], call: Call) -> web.Response:
        return _ok(
            {
                "id": 999,
                "is_bot": True,
                "first_name": "Soirée",
                "username": BOT_USERNAME,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,  # BotFather's /setinline was done
            }
        )

    async def _m_deletewebhook(self, params: dict[str, Any], call: Call) -> web.Response:
        return _ok(True)

    async def _m_setmycommands(self, params: dict[str, Any], call: Call) -> web.Response:
        commands = params.get("commands") or []
        if not 0 < len(commands) <= 100:
            return _error(400, "Bad Request: too many commands")
        for c in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", c["command"]):
                return _error(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(c["description"]) <= 256:
                return _error(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        return _ok(True)

    async def _m_getupdates(self, params: dict[str, Any], call: Call) -> web.Response:
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        wait = min(float(params.get("timeout") or 0), 1.0)
        if not self._updates and wait > 0:
            async with self._new_update:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait(), wait)
        return _ok(self._updates[: int(params.get("limit") or 100)])

    async def _m_getchatmember(self, params: dict[str, Any], call: Call) -> web.Response:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        user = {"id": user_id, "is_bot": False, "first_name": "User"}
        if (chat_id, user_id) in self.owners:
            return _ok({"status": "creator", "user": user, "is_anonymous": False})
        if (chat_id, user_id) in self.admins:
            return _ok({"status": "administrator", "user": user, **ADMIN_RIGHTS})
        if (chat_id, user_id) in self.gone:
            return _ok({"status": "left", "user": user})
        return _ok({"status": "member", "user": user})

    async def _m_sendmessage(self, params: dict[str, Any], call: Call) -> web.Response:
        chat_id, text = int(params["chat_id"]), str(params.get("text") or "")
        problem = self._check_text(text, params, 4096, "message is too long")
        if problem or (problem := self._channel_problem(chat_id)):
            return problem
        limited = self._rate_limit(chat_id, call.t)
        if limited:
            return limited
        return _ok(self._message(chat_id, text=text))

    async def _m_sendphoto(self, params: dict[str, Any], call: Call) -> web.Response:
        chat_id, caption = int(params["chat_id"]), str(params.get("caption") or "")
        if caption:
            problem = self._check_text(caption, params, 1024, "message caption is too long")
            if problem:
                return problem
        if chat_id in self.no_media:
            return _error(400, "Bad Request: not enough rights to send photos to the chat")
        problem = self._channel_problem(chat_id)
        if problem:
            return problem
        photo = params.get("photo")
        if not isinstance(photo, bytes):
            return _error(400, "Bad Request: there is no photo in the request")
        size = _image_size(photo)
        if size is None:
            return _error(400, "Bad Request: IMAGE_PROCESS_FAILED")
        width, height = size
        too_big = len(photo) > MAX_PHOTO_BYTES or width + height > MAX_PHOTO_SIDES
        if too_big or max(width, height) > MAX_PHOTO_RATIO * min(width, height):
            return _error(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        limited = self._rate_limit(chat_id, call.t)
        if limited:
            return limited
        sizes = [{"file_id": f"photo{self._message_id}", "file_unique_id": "u",
                  "width": width, "height": height}]  # fmt: skip
        self._file_ids.add(sizes[0]["file_id"])
        return _ok(self._message(chat_id, caption=caption, photo=sizes))

    async def _m_editmessagetext(self, params: dict[str, Any], call: Call) -> web.Response:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        text = str(params.get("text") or "")
        problem = self._check_text(text, params, 4096, "message is too long")
        if problem:
            return problem
        kind = self._kinds.get((chat_id, message_id))
        if kind is None:
            return _error(400, "Bad Request: message to edit not found")
        if kind != "text":
            return _error(400, "Bad Request: there is no text in the message to edit")
        if self._texts[(chat_id, message_id)] == text:
            return _error(
                400,
                "Bad Request: message is not modified: specified new message "
                "content and reply markup are exactly the same as a current content and "
                "reply markup of the message",
            )
        limited = self._rate_limit(chat_id, call.t)  # an edit counts against the limits
        if limited:
            return limited
        self._texts[(chat_id, message_id)] = text
        return _ok(
            {
                "message_id": message_id,
                "date": int(time.time()),
                "edit_date": int(time.time()),
                "chat": self._chat(chat_id),
                "text": text,
            }
        )

    async def _m_pinchatmessage(self, params: dict[str, Any], call: Call) -> web.Response:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        if chat_id < 0 and chat_id not in self.can_pin:
            return _error(
                400, "Bad Request: not enough rights to manage pinned messages in the chat"
            )
        if (chat_id, message_id) not in self._kinds:
            return _error(400, "Bad Request: message to pin not found")
        self.pinned[chat_id] = message_id
        return _ok(True)

    async def _m_unpinchatmessage(self, params: dict[str, Any], call: Call) -> web.Response:
        chat_id = int(params["chat_id"])
        if self.pinned.get(chat_id) == params.get("message_id"):
            del self.pinned[chat_id]
        return _ok(True)

    async def _m_answerinlinequery(self, params: dict[str, Any], call: Call) -> web.Response:
        query_id = str(params.get("inline_query_id") or "")
        asked = self._inline.get(query_id)
        if asked is None or time.monotonic() - asked[0] > INLINE_TIMEOUT:
            return _error(400, TOO_OLD)
        results = params.get("results")
        if not isinstance(results, list):
            return _error(400, "Bad Request: can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            return _error(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id") or "") for r in results]
        if any(not 1 <= len(i.encode()) <= MAX_RESULT_ID_BYTES for i in ids):
            return _error(400, "Bad Request: RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            return _error(400, "Bad Request: RESULT_ID_DUPLICATE")
        for result in results:
            problem = self._check_result(result)
            if problem:
                return problem
        button = params.get("button")
        legacy = "switch_pm_text" in params or "switch_pm_parameter" in params
        if legacy:  # before Bot API 6.7: the same button as two fields
            button = {"text": params.get("switch_pm_text"),
                      "start_parameter": params.get("switch_pm_parameter")}  # fmt: skip
        if button is not None:
            if not str(button.get("text") or "").strip():
                return _error(400, "Bad Request: SWITCH_PM_TEXT_EMPTY")
            if not START_PARAMETER.fullmatch(str(button.get("start_parameter") or "")):
                return _error(400, "Bad Request: START_PARAM_INVALID")
        cache_time = int(params.get("cache_time", 300))
        if cache_time < 0:
            return _error(400, "Bad Request: CACHE_TIME_INVALID")
        del self._inline[query_id]  # answered once
        personal = str(params.get("is_personal", "false")).lower() == "true"
        self.inline_answers.append(InlineAnswer(query_id, results, cache_time, personal, button))
        return _ok(True)

    def _check_result(self, result: dict[str, Any]) -> web.Response | None:
        """Check one inline result as Telegram does: its kind's fields and its text."""
        kind = result.get("type")
        if kind == "article":
            content = result.get("input_message_content") or {}
            if not result.get("title") or "message_text" not in content:
                return _error(400, "Bad Request: RESULT_TYPE_INVALID")
            return self._check_text(content["message_text"], content, 4096, "MESSAGE_TOO_LONG")
        if kind == "photo" and "photo_file_id" in result:
            if result["photo_file_id"] not in self._file_ids:
                return _error(400, "Bad Request: wrong file identifier/HTTP URL specified")
            caption = str(result.get("caption") or "")
            if caption:
                return self._check_text(caption, result, 1024, "MEDIA_CAPTION_TOO_LONG")
            return None
        return _error(400, "Bad Request: RESULT_TYPE_INVALID")

    # --- users in other chats: inline queries, deep links, chosen results ----------------

    def push_inline_query(self, query: str, *, user_id: int = 42, language: str = "fr") -> str:
        """Queue an inline_query update, as a user typing "@SoireeBot <query>" in a chat;
        return its id. Telegram sends at most 256 characters of it."""
        self._inline_id += 1
        query_id = f"{self._inline_id}{user_id}"
        self._inline[query_id] = (time.monotonic(), query[:MAX_INLINE_QUERY])
        user = {"id": user_id, "is_bot": False, "first_name": "User", "language_code": language}
        update = {"id": query_id, "from": user, "query": query[:MAX_INLINE_QUERY], "offset": "",
                  "chat_type": "sender"}  # fmt: skip
        self._push({"inline_query": update})
        return query_id

    def answer_to(self, query_id: str) -> InlineAnswer | None:
        """Return the answer the bot gave an inline query, or None yet."""
        return next((a for a in self.inline_answers if a.query_id == query_id), None)

    def choose(self, answer: InlineAnswer, index: int, *, chat_id: int) -> str:
        """Send the chosen result into a chat, as Telegram does for the user ("via
        @SoireeBot"); return the text or caption the chat shows."""
        result = answer.results[index]
        if result["type"] == "photo":
            shown = str(result.get("caption") or "")
            mode = result.get("parse_mode")
        else:
            content = result["input_message_content"]
            shown, mode = content["message_text"], content.get("parse_mode")
        visible = parse_html(shown)[0] if str(mode).upper() == "HTML" else shown
        self._message(chat_id, text=visible)
        return visible

    def open_deep_link(self, payload: str, *, user_id: int = 42, language: str = "fr") -> int:
        """Press Start on t.me/SoireeBot?start=<payload>: the user's private chat sends
        "/start <payload>", or "/start" alone when Telegram refuses the payload (over 64
        characters, or one outside A-Za-z0-9_-). Return the message's id."""
        text = f"/start {payload}" if START_PARAMETER.fullmatch(payload) else "/start"
        return self.push_command(text, chat_id=user_id, user_id=user_id, chat_type="private",
                                 language=language)  # fmt: skip

    # --- channels ---------------------------------------------------------------------

    def add_channel(self, chat_id: int, username: str | None = None, *, admin: bool = True) -> None:
        """Make a channel (the bot one of its administrators, unless told)."""
        self.channels[chat_id] = username
        if admin:
            self.channel_admin.add(chat_id)

    def push_channel_post(self, text: str, *, chat_id: int, message_id: int | None = None) -> int:
        """Queue a channel_post update, as an administrator posting in the channel: the
        channel is its sender (sender_chat), no user is named. Return its message id."""
        if message_id is None:
            self._message_id += 1
            message_id = self._message_id
        chat = self._chat(chat_id)
        post = {"message_id": message_id, "date": int(time.time()), "chat": chat,
                "sender_chat": dict(chat), "text": text}  # fmt: skip
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            post["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        self._push({"channel_post": post})
        return message_id

    def _channel_problem(self, chat_id: int) -> web.Response | None:
        """Refuse a post to a channel where the bot is no administrator, as Telegram does."""
        if chat_id in self.channels and chat_id not in self.channel_admin:
            return _error(400, "Bad Request: need administrator rights in the channel chat")
        return None

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id in self.channels:
            chat: dict[str, Any] = {"id": chat_id, "type": "channel", "title": f"Channel {chat_id}"}
            if self.channels[chat_id]:
                chat["username"] = self.channels[chat_id]
            return chat
        return {"id": chat_id, "type": "supergroup" if chat_id < 0 else "private"}

    # --- rules of the real API ---------------------------------------------------------

    def _check_text(
        self, text: str, params: dict[str, Any], limit: int, too_long: str
    ) -> web.Response | None:
        visible = text
        if str(params.get("parse_mode", "")).upper() == "HTML":
            visible, error = parse_html(text)
            if error:
                return _error(400, f"Bad Request: {error}")
        if not visible.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(visible) > limit:
            return _error(400, f"Bad Request: {too_long}")
        return None

    def _rate_limit(self, chat_id: int, now: float) -> web.Response | None:
        per_chat, window = 1.0 / self.scale, 60.0 / self.scale
        # Per chat: a token bucket of one message per second that tolerates a burst of two,
        # as Telegram tolerates short bursts before it answers 429.
        tokens, last = self._per_chat.get(chat_id, (PER_CHAT_BURST, now))
        tokens = min(PER_CHAT_BURST, tokens + (now - last) / per_chat)
        if tokens < 1:
            self._per_chat[chat_id] = (tokens, now)
            return _too_many(1)
        group = self._per_group[chat_id]
        while group and now - group[0] >= window:
            group.popleft()
        if chat_id < 0 and len(group) >= 20:
            return _too_many(max(1, round(window - (now - group[0]))))
        # Overall: thirty a second as a token bucket (a full second's worth may come at once).
        budget, since = self._budget
        budget = min(OVERALL_PER_SECOND, budget + (now - since) * OVERALL_PER_SECOND * self.scale)
        if budget < 1:
            self._budget = (budget, now)
            return _too_many(1)
        self._budget = (budget - 1, now)
        self._per_chat[chat_id] = (tokens - 1, now)
        group.append(now)
        return None

    def _message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        self._message_id += 1
        key = (chat_id, self._message_id)
        self._kinds[key] = "photo" if "photo" in content else "text"
        self._texts[key] = content.get("text") or content.get("caption") or ""
        return {
            "message_id": self._message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            **{k: v for k, v in content.items() if v},
        }


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.can_read_body:
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
        # An uploaded file (a photo) arrives as bytes, for the checks and the tests to read.
        params.update({k: v.file.read() for k, v in form.items() if isinstance(v, web.FileField)})
    for key in ("chat_id", "user_id", "message_id", "offset", "limit", "timeout"):
        if isinstance(params.get(key), str) and re.fullmatch(r"-?\d+(\.\d+)?", params[key]):
            params[key] = json.loads(params[key])
    for key in JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            params[key] = json.loads(params[key])
    return params


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Return a PNG's width and height from its header, or None if it is not a PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": status, "description": description}, status=status
    )


def _too_many(retry_after: int) -> web.Response:
    return web.json_response(
        {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {retry_after}",
            "parameters": {"retry_after": retry_after},
        },
        status=429,
    )
