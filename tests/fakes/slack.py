"""A fake Slack Web API (and Socket Mode server) on 127.0.0.1, with Slack's limits and errors.

The real slack-sdk `AsyncWebClient` is pointed at it with `base_url`. Rate limits can be
time-scaled: with `scale=10`, one message per channel per 0.1 s.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

MAX_BLOCKS = 50
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
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen on an ephemeral port of 127.0.0.1."""
        app = web.Application()
        app.router.add_post("/api/{method}", self._dispatch)
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
        if not params.get("ts"):
            return self._fail(call, "message_not_found")
        return web.json_response({"ok": True, "channel": params["channel"], "ts": params["ts"]})

    async def _m_files_getUploadURLExternal(
        self, params: dict[str, Any], call: Call
    ) -> web.Response:
        fid = f"F{next(self._ts)}"
        return web.json_response(
            {"ok": True, "upload_url": f"{self.url}/upload/{fid}", "file_id": fid}
        )

    async def _m_files_completeUploadExternal(
        self, params: dict[str, Any], call: Call
    ) -> web.Response:
        files = params.get("files") or []
        return web.json_response({"ok": True, "files": files})

    async def _upload(self, request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="OK")

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
            for block in blocks:
                text = (block.get("text") or {}).get("text", "")
                if block.get("type") == "section" and not 0 < len(text) <= MAX_SECTION:
                    return self._fail(call, "invalid_blocks")
        return None

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
