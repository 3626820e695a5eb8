"""A fake Slack Web API (and Socket Mode server) on 127.0.0.1, with Slack's limits and errors.

The real slack-sdk `AsyncWebClient` is pointed at it with `base_url`. Rate limits can be
time-scaled: with `scale=10`, one message per channel per 0.1 s.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

MAX_BLOCKS = 50
# The bot token's scopes, as the manifest asks for them (slack-manifest.yml).
SCOPES = ("commands", "chat:write", "files:write", "pins:write", "users:read", "usergroups:read")
NEEDS = {"users.info": "users:read", "usergroups.users.list": "usergroups:read"}
MAX_SECTION = 3000
PER_CHANNEL_BURST = 2.0


@dataclass
class Call:
    """One Web API call the fake received."""

    method: str
    params: dict[str, Any]
    t: float
    status: int = 0  # set when answered; 0 while the call is still being handled
    error: str | None = None


@dataclass
class Upload:
    """A file shared through files upload v2: its bytes and where it was shared."""

    file_id: str
    filename: str
    alt_txt: str | None
    data: bytes = b""
    channel: str | None = None
    comment: str | None = None
    title: str | None = None
    completed: bool = False  # files.completeUploadExternal done (shared or not)


@dataclass
class FakeSlack:
    """The fake server. Script failures with `fail_next`; read `calls`, `responses`, `acks`."""

    scale: float = 1.0
    bot_token: str = "xoxb-1-test"
    app_token: str = "xapp-1-test"
    calls: list[Call] = field(default_factory=list)
    responses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    acks: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    _scripted: list[tuple[str, int, dict[str, Any], dict[str, str], str | None]] = field(
        default_factory=list
    )
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    uploads: dict[str, Upload] = field(default_factory=dict)
    messages: dict[tuple[str, str], str] = field(default_factory=dict)  # (channel, ts) → text
    pins: set[tuple[str, str]] = field(default_factory=set)
    _declared: dict[str, int] = field(default_factory=dict)
    # The workspace's people: U1 (who the slash commands come from by default) is an admin
    # and owner; U2 a member. Tests add more, and user groups (S…: members' ids).
    users: dict[str, dict[str, Any]] = field(default_factory=lambda: {
        "U1": {"name": "marie", "is_admin": True, "is_owner": True},
        "U2": {"name": "paul", "is_admin": False, "is_owner": False},
    })  # fmt: skip
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    scopes: set[str] = field(default_factory=lambda: set(SCOPES))
    held: dict[str, asyncio.Event] = field(default_factory=dict)  # method → answered once set
    # How many messages showing a file just uploaded are refused before Slack has processed
    # it ("invalid slack file", as Slack answers in that moment); a test sets it.
    processing: int = 0
    _unprocessed: dict[str, int] = field(default_factory=dict)
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen on an ephemeral port of 127.0.0.1."""
        app = web.Application()
        app.router.add_post("/api/{method}", self._dispatch)
        app.router.add_get("/api/{method}", self._dispatch)  # read methods take GET as well
        app.router.add_post("/response/{rid}", self._response_url)
        app.router.add_post("/upload/{fid}", self._upload)
        app.router.add_get("/link", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        """Close sockets and stop listening."""
        for ws in list(self._sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """Return the value for `AsyncWebClient(base_url=...)`."""
        return f"{self.url}/api/"

    def response_url(self, rid: str = "1") -> str:
        """Return a response_url that this fake records."""
        return f"{self.url}/response/{rid}"

    def fail_next(
        self,
        method: str,
        *,
        error: str = "ratelimited",
        status: int = 200,
        headers: dict[str, str] | None = None,
        channel: str | None = None,
    ) -> None:
        """Answer the next call of `method` (to `channel`) with Slack's error body."""
        self._scripted.append(
            (method, status, {"ok": False, "error": error}, headers or {}, channel)
        )

    def hold(self, method: str) -> asyncio.Event:
        """Keep every call of `method` waiting until the returned event is set."""
        return self.held.setdefault(method, asyncio.Event())

    def posted(self, channel: str | None = None) -> list[Call]:
        """Return the successful chat.postMessage calls, optionally to one channel."""
        return [
            c
            for c in self.calls
            if c.method == "chat.postMessage"
            and c.status == 200
            and c.error is None
            and (channel is None or c.params.get("channel") == channel)
        ]

    def shared(self, channel: str | None = None) -> list[Upload]:
        """Return the files shared into channels (completed uploads), optionally one channel's."""
        return [
            u for u in self.uploads.values()
            if u.channel is not None and (channel is None or u.channel == channel)
        ]  # fmt: skip

    def pictured(self, channel: str | None = None) -> list[tuple[Call, Upload]]:
        """Return the messages posted with an image block, and the upload each one shows."""
        found = []
        for call in self.answered("chat.postMessage", channel):
            for block in _blocks(call.params):
                if block.get("type") == "image":
                    found.append((call, self.uploads[block["slack_file"]["id"]]))
        return found

    def answered(self, method: str, channel: str | None = None) -> list[Call]:
        """Return the successful calls of a method, optionally to one channel."""
        return [
            c
            for c in self.calls
            if c.method == method
            and c.status == 200
            and c.error is None
            and (channel is None or c.params.get("channel") == channel)
        ]

    def delete(self, channel: str, ts: str) -> None:
        """Delete a message, as a member would by hand."""
        self.messages.pop((channel, ts), None)
        self.pins.discard((channel, ts))

    async def send_envelope(self, envelope: dict[str, Any]) -> None:
        """Push a Socket Mode envelope to every connected client."""
        for ws in self._sockets:
            await ws.send_json(envelope)

    @property
    def connected(self) -> int:
        """Return how many Socket Mode clients are connected."""
        return len(self._sockets)

    # --- handlers -------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        auth = request.headers.get("Authorization", "")
        wanted = self.app_token if method == "apps.connections.open" else self.bot_token
        if auth != f"Bearer {wanted}":
            call.error = "invalid_auth"
            return web.json_response({"ok": False, "error": "invalid_auth"})
        for i, (m, status, body, headers, channel) in enumerate(self._scripted):
            if m == method and channel in (None, params.get("channel")):
                del self._scripted[i]
                call.status, call.error = status, body["error"]
                return web.json_response(body, status=status, headers=headers)
        if method in self.held:
            await self.held[method].wait()
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            call.error = "unknown_method"
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        response: web.Response = await handler(params, call)
        call.status = response.status
        return response

    def _fail(
        self, call: Call, error: str, status: int = 200, headers: dict[str, str] | None = None
    ) -> web.Response:
        call.error = error
        return web.json_response({"ok": False, "error": error}, status=status, headers=headers)

    async def _m_auth_test(self, params: dict[str, Any], call: Call) -> web.Response:
        return web.json_response(
            {
                "ok": True,
                "url": "https://soiree-test.slack.com/",
                "team": "Test",
                "user": "soiree",
                "team_id": "T1",
                "user_id": "U0BOT",
                "bot_id": "B1",
            }
        )

    async def _m_users_info(self, params: dict[str, Any], call: Call) -> web.Response:
        missing = self._missing_scope(call)
        if missing is not None:
            return missing
        user_id = str(params.get("user") or "")
        if user_id not in self.users:
            return self._fail(call, "user_not_found")
        user = {"id": user_id, "team_id": "T1", "deleted": False, "is_bot": False,
                "is_primary_owner": False, **self.users[user_id]}  # fmt: skip
        return web.json_response({"ok": True, "user": user})

    async def _m_usergroups_users_list(self, params: dict[str, Any], call: Call) -> web.Response:
        missing = self._missing_scope(call)
        if missing is not None:
            return missing
        group = str(params.get("usergroup") or "")
        if group not in self.usergroups:
            return self._fail(call, "no_such_subteam")
        return web.json_response({"ok": True, "users": list(self.usergroups[group])})

    def _missing_scope(self, call: Call) -> web.Response | None:
        """Answer as Slack does when the token lacks the method's scope."""
        needed = NEEDS[call.method]
        if needed in self.scopes:
            return None
        call.error = "missing_scope"
        return web.json_response({"ok": False, "error": "missing_scope", "needed": needed,
                                  "provided": ",".join(sorted(self.scopes))})  # fmt: skip

    async def _m_apps_connections_open(self, params: dict[str, Any], call: Call) -> web.Response:
        return web.json_response({"ok": True, "url": self.url.replace("http", "ws") + "/link"})

    async def _m_chat_postMessage(self, params: dict[str, Any], call: Call) -> web.Response:
        problem = self._check_message(params, call)
        if problem is not None:
            return problem
        channel = str(params["channel"])
        if not self._take(channel, call.t):
            return self._fail(call, "ratelimited", 429, {"Retry-After": "1"})
        ts = f"1485736800.{next(self._ts):06d}"
        self.messages[(channel, ts)] = str(params.get("text") or "")
        return web.json_response(
            {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "message": {"text": params.get("text"), "ts": ts},
            }
        )

    async def _m_chat_postEphemeral(self, params: dict[str, Any], call: Call) -> web.Response:
        problem = self._check_message(params, call)
        return problem or web.json_response({"ok": True, "message_ts": "1485736800.000001"})

    async def _m_chat_update(self, params: dict[str, Any], call: Call) -> web.Response:
        problem = self._check_message(params, call)
        if problem is not None:
            return problem
        key = (str(params["channel"]), str(params.get("ts") or ""))
        if key not in self.messages:
            return self._fail(call, "message_not_found")
        self.messages[key] = str(params.get("text") or "")
        return web.json_response({"ok": True, "channel": key[0], "ts": key[1],
                                  "text": params.get("text")})  # fmt: skip

    async def _m_pins_add(self, params: dict[str, Any], call: Call) -> web.Response:
        key = (str(params.get("channel") or ""), str(params.get("timestamp") or ""))
        if key not in self.messages:
            return self._fail(call, "message_not_found")
        if key in self.pins:
            return self._fail(call, "already_pinned")
        self.pins.add(key)
        return web.json_response({"ok": True})

    async def _m_pins_remove(self, params: dict[str, Any], call: Call) -> web.Response:
        key = (str(params.get("channel") or ""), str(params.get("timestamp") or ""))
        if key not in self.pins:
            return self._fail(call, "no_pin")
        self.pins.discard(key)
        return web.json_response({"ok": True})

    async def _m_files_getUploadURLExternal(
        self, params: dict[str, Any], call: Call
    ) -> web.Response:
        filename, length = params.get("filename"), str(params.get("length") or "")
        if not filename or not length.isdigit() or int(length) <= 0:
            return self._fail(call, "invalid_arguments")
        fid = f"F{next(self._ts)}"
        self.uploads[fid] = Upload(fid, str(filename), params.get("alt_txt"))
        self._declared[fid] = int(length)
        return web.json_response(
            {"ok": True, "upload_url": f"{self.url}/upload/{fid}", "file_id": fid}
        )

    async def _m_files_completeUploadExternal(
        self, params: dict[str, Any], call: Call
    ) -> web.Response:
        files = params.get("files") or []
        if not files or any(f.get("id") not in self.uploads for f in files):
            return self._fail(call, "file_not_found")
        if any(not self.uploads[f["id"]].data for f in files):
            return self._fail(call, "file_upload_not_found")  # step 2 never happened
        channel = params.get("channel_id")
        if channel is not None and not self._take(str(channel), call.t):
            return self._fail(call, "ratelimited", 429, {"Retry-After": "1"})
        for f in files:
            upload = self.uploads[f["id"]]
            upload.channel, upload.title = channel, f.get("title")
            upload.comment = params.get("initial_comment")
            upload.completed = True
            self._unprocessed[f["id"]] = self.processing
        return web.json_response({"ok": True, "files": [{"id": f["id"]} for f in files]})

    async def _upload(self, request: web.Request) -> web.Response:
        fid = request.match_info["fid"]
        data = await request.read()  # slack-sdk posts the raw bytes
        if fid not in self.uploads or len(data) != self._declared.get(fid):
            return web.Response(status=400, text="length mismatch")
        self.uploads[fid].data = data
        return web.Response(text="OK - " + str(len(data)))

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append((request.match_info["rid"], body))
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "fake"},
                "connection_info": {"app_id": "A1"},
            }
        )
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self.acks.append(json.loads(msg.data))
        finally:
            self._sockets.remove(ws)
        return ws

    # --- Slack's rules -----------------------------------------------------------------------

    def _check_message(self, params: dict[str, Any], call: Call) -> web.Response | None:
        if not params.get("channel"):
            return self._fail(call, "channel_not_found")
        blocks = params.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if not params.get("text") and not blocks:
            return self._fail(call, "no_text")
        if blocks:
            if len(blocks) > MAX_BLOCKS:
                return self._fail(call, "invalid_blocks")
            for i, block in enumerate(blocks):
                text = (block.get("text") or {}).get("text", "")
                if block.get("type") == "section" and not 0 < len(text) <= MAX_SECTION:
                    return self._fail(call, "invalid_blocks")
                if block.get("type") == "image" and not self._image_ok(block):
                    error = f"invalid slack file [json-pointer:/blocks/{i}/slack_file]"
                    call.error = "invalid_blocks"
                    return web.json_response({"ok": False, "error": "invalid_blocks",
                                              "errors": [error]})  # fmt: skip
        return None

    def _image_ok(self, block: dict[str, Any]) -> bool:
        """An image block shows a completed upload of the bot's (its only slack_file id), and
        only once Slack has processed it; alt_text is required, 2,000 characters at most."""
        alt = block.get("alt_text") or ""
        file = block.get("slack_file") or {}
        fid = file.get("id")
        if not 0 < len(alt) <= 2000 or set(file) != {"id"} or "image_url" in block:
            return False
        if fid not in self.uploads or not self.uploads[fid].completed:
            return False
        if self._unprocessed.get(fid, 0) > 0:
            self._unprocessed[fid] -= 1
            return False
        return True

    def _take(self, channel: str, now: float) -> bool:
        """One message per second per channel, with a burst of two (time-scaled)."""
        per = 1.0 / self.scale
        tokens, last = self._buckets.get(channel, (PER_CHANNEL_BURST, now))
        tokens = min(PER_CHANNEL_BURST, tokens + (now - last) / per)
        if tokens < 1:
            self._buckets[channel] = (tokens, now)
            return False
        self._buckets[channel] = (tokens - 1, now)
        return True


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.can_read_body:
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    for key in ("blocks", "files"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params


def _blocks(params: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)
