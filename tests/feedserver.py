"""A real HTTP feed server on 127.0.0.1 for tests: serves a body that changes, with ETags."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Hit:
    """One request the server saw."""

    path: str
    if_none_match: str | None
    status: int
    peer: object = None  # the client's address and port: one per connection


@dataclass
class FeedServer:
    """Serves `body` at /feed.json; scripted failures go first, one per request."""

    body: bytes = b""
    etags: bool = True
    hits: list[Hit] = field(default_factory=list)
    script: list[tuple[int, bytes]] = field(default_factory=list)
    delay: float = 0.0
    drip: float = 0.0  # seconds between the body's bytes: a slow or hostile server
    encoding: str | None = None  # Content-Encoding sent with `body`, which is encoded already
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""
    _runner: web.AppRunner | None = None

    def publish(self, body: bytes) -> None:
        """Replace the served document."""
        self.body = body

    @property
    def etag(self) -> str:
        """Return the current body's ETag."""
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve the feed, honouring If-None-Match."""
        inm = request.headers.get("If-None-Match")
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.script:
            status, body = self.script.pop(0)
            self.hits.append(Hit(request.path, inm, status, peer))
            return web.Response(status=status, body=body)
        if self.etags and inm == self.etag:
            self.hits.append(Hit(request.path, inm, 304, peer))
            return web.Response(status=304)
        self.hits.append(Hit(request.path, inm, 200, peer))
        headers = {"ETag": self.etag} if self.etags else {}
        if self.encoding:
            headers["Content-Encoding"] = self.encoding
        if self.drip:
            return await self._drip(request, headers)
        return web.Response(body=self.body, headers=headers, content_type="application/json")

    async def _drip(self, request: web.Request, headers: dict[str, str]) -> web.StreamResponse:
        """Send the headers at once, then the body one byte every `drip` seconds."""
        resp = web.StreamResponse(headers=headers)
        resp.content_type = "application/json"
        await resp.prepare(request)
        try:
            for i in range(len(self.body)):
                await resp.write(self.body[i : i + 1])
                await asyncio.sleep(self.drip)
            await resp.write_eof()
        except ConnectionResetError:  # the client gave up: the point of the exercise
            pass
        return resp

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1 (an ephemeral port unless given)."""
        app = web.Application()
        app.router.add_get("/feed.json", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port, reuse_address=True)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/feed.json"

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner:
            await self._runner.cleanup()


@dataclass
class Site:
    """Serves files by path under its root (a Ministry night's folders), with ETags, 404 for
    a file not published; records every request, to count those of each file."""

    files: dict[str, bytes] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)  # a path answered with this status
    url: str = ""  # the root, ending with "/"
    _runner: web.AppRunner | None = None

    def publish(self, files: dict[str, bytes]) -> None:
        """Replace every served file (a new step of the night)."""
        self.files = dict(files)

    def requests(self, path: str) -> int:
        """Return how many requests a file had, whatever their answer."""
        return sum(1 for h in self.hits if h.path == "/" + path)

    def bodies(self, path: str) -> int:
        """Return how many times a file's body was sent (200)."""
        return sum(1 for h in self.hits if h.path == "/" + path and h.status == 200)

    @staticmethod
    def etag(body: bytes) -> str:
        """Return a body's ETag."""
        return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve a file, honouring If-None-Match; 404 when it is not published."""
        path, inm = request.path.lstrip("/"), request.headers.get("If-None-Match")
        body = self.files.get(path)
        status = self.status.get(path) or (404 if body is None else 200)
        if status == 200 and body is not None and inm == self.etag(body):
            status = 304
        self.hits.append(Hit(request.path, inm, status))
        if status != 200 or body is None:
            return web.Response(status=status, text="<html>not here</html>")
        return web.Response(body=body, headers={"ETag": self.etag(body)}, content_type="text/xml")

    async def start(self) -> None:
        """Listen on an ephemeral port of 127.0.0.1."""
        app = web.Application()
        app.router.add_get("/{path:.*}", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/"

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner:
            await self._runner.cleanup()
