"""HTTP source: conditional GET with httpx, a whole-request deadline, a decoded-size cap."""

from __future__ import annotations

import asyncio
import logging

import httpx

from bot import logs
from bot.sources.base import BeforeBody
from bot.sources.decoding import ACCEPT_ENCODING, BodyDecoder, BodyTooLarge, Undecodable
from bot.sources.errors import FetchError

log = logging.getLogger(__name__)

USER_AGENT = "Soiree/0.1 (+election-night results bot)"
DRAIN_LIMIT = 65_536  # bytes of a 304/404/error body read only to keep the connection


class HttpSource:
    """Polls a URL; a 304 Not Modified costs no body and no parse."""

    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient,
        *,
        timeout: float = 10.0,
        max_bytes: int = 20_000_000,
    ) -> None:
        self.url, self.client, self.timeout, self.max_bytes = url, client, timeout, max_bytes
        self.secrets = logs.url_secrets(url)
        logs.hide(self.secrets)  # whatever writes the URL in a log line, they stay hidden
        self.etag: str | None = None
        self.last_modified: str | None = None
        self.unpublished = False
        # Awaited once a new body's headers are in, before the body is read (the poller's
        # turn: bot.poller.Poller.gate).
        self.before_body: BeforeBody | None = None

    @property
    def origin(self) -> str:
        """Return the URL without its query string, which may hold a key, nor its userinfo."""
        return logs.redact_url(self.url.split("?", 1)[0])

    @property
    def exhausted(self) -> bool:
        """Return False: a URL may always publish a new version."""
        return False

    def _headers(self) -> dict[str, str]:
        # Our own decoders undo these (bot.sources.decoding); httpx would add br and zstd.
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers

    async def fetch(self) -> bytes | None:
        """Return the body when it changed, None on 304, or raise FetchError. The whole
        request, body included, ends within `timeout` seconds (waiting for the poller's
        turn aside): httpx's own timeout bounds each read, and a body dripping a byte a
        second never ended."""
        try:
            async with asyncio.timeout(self.timeout) as deadline:
                return await self._get(deadline)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise FetchError(f"{self.origin}: timed out after {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            shown = logs.redact(str(exc), self.secrets)  # httpx may quote the URL
            raise FetchError(f"{self.origin}: {type(exc).__name__}: {shown}") from exc
        except (BodyTooLarge, Undecodable) as exc:
            raise FetchError(f"{self.origin}: {exc}") from exc

    async def _get(self, deadline: asyncio.Timeout) -> bytes | None:
        async with self.client.stream(
            "GET", self.url, headers=self._headers(), timeout=self.timeout
        ) as resp:
            if resp.status_code != 200:
                # Read what little body there is (none on a 304, an HTML page on a 404):
                # httpx closes a connection whose response was left unread, and every
                # idle poll then connected again.
                await self._drain(resp)
            if resp.status_code == 304:
                return None
            if resp.status_code == 404:
                # The Ministry answers 404 with an HTML page until a file is published.
                self._note_unpublished()
                return None
            if resp.status_code != 200:
                raise FetchError(f"{self.origin}: HTTP {resp.status_code}")
            decoder = self._decoder(resp)
            if self.before_body is not None:
                await _outside(deadline, self.before_body)
            async for chunk in resp.aiter_raw():
                decoder.feed(chunk)
            body = decoder.finish()
        self.unpublished = False
        self.etag = resp.headers.get("ETag")
        self.last_modified = resp.headers.get("Last-Modified")
        return body

    def _note_unpublished(self) -> None:
        if not self.unpublished:
            self.unpublished = True
            log.info("%s: 404, not published yet; waiting for it", self.origin)

    async def _drain(self, resp: httpx.Response) -> None:
        """Read and drop a small body so that the connection can serve the next poll; a
        large one is left unread (the connection is then closed, which costs less)."""
        size = 0
        async for chunk in resp.aiter_raw():
            size += len(chunk)
            if size > DRAIN_LIMIT:
                break

    def _decoder(self, resp: httpx.Response) -> BodyDecoder:
        """Return the body's decoder, once its declared size is known to be within the cap."""
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise BodyTooLarge(f"body of {declared} bytes, over the {self.max_bytes}-byte cap")
        return BodyDecoder(resp.headers.get("Content-Encoding"), self.max_bytes)


async def _outside(deadline: asyncio.Timeout, wait: BeforeBody) -> None:
    """Await `wait` with the deadline stopped: waiting for a turn is not the server's time."""
    loop = asyncio.get_running_loop()
    left = (deadline.when() or loop.time()) - loop.time()
    deadline.reschedule(None)
    try:
        await wait()
    finally:
        deadline.reschedule(loop.time() + left)
