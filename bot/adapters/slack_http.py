"""Slack's HTTP mode: a request's signature is checked on its raw bytes before slack-bolt
reads it; what is unsigned or undecodable gets a quiet 401, a signed payload that does not
read a 400."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger("bot.adapters.slack")

REFUSALS_SAID_EVERY = 60.0  # seconds: refused requests are counted, and said at most this often


class SignedEndpoint:
    """The aiohttp handler of the events path, in front of slack-bolt's: bolt decoded a body
    before it checked the signature, and 200 garbage requests made 200 tracebacks and 500s."""

    def __init__(
        self,
        app: AsyncApp,
        signing_secret: str,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app, self.verifier, self.monotonic = app, SignatureVerifier(signing_secret), monotonic
        self.refused = 0  # since the last line that said so
        self._said_at: float | None = None

    def web_app(self, path: str) -> web.Application:
        """Return the aiohttp application that serves `path` through this endpoint."""
        served = web.Application()
        served.router.add_post(path, self.handle)
        return served

    async def handle(self, request: web.Request) -> web.Response:
        """Refuse what Slack did not sign (401) or what does not read (400); hand the rest
        to slack-bolt, which checks the signature again and runs the listeners."""
        body = await request.read()
        if not self.signed(body, request.headers):
            self._note_refused(request.remote)
            return web.json_response({"error": "invalid request"}, status=401)
        problem = unreadable(body.decode("utf-8"), request.content_type)
        if problem is not None:
            log.warning("slack: a signed request whose payload does not read (400): %s", problem)
            return web.json_response({"error": "invalid payload"}, status=400)
        response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    def signed(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """Return True when Slack signed these bytes within the last five minutes."""
        stamp = headers.get("X-Slack-Request-Timestamp") or ""
        signature = headers.get("X-Slack-Signature")
        if not (stamp.isascii() and stamp.isdigit()) or not signature:
            return False
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return self.verifier.is_valid(text, stamp, signature)

    def _note_refused(self, peer: str | None) -> None:
        """Count a refused request; say so in one line at most once a minute."""
        self.refused += 1
        now = self.monotonic()
        if self._said_at is not None and now - self._said_at < REFUSALS_SAID_EVERY:
            return
        log.warning(
            "slack: refused %d unsigned or undecodable request(s) (401), the last from %s; "
            "said at most once a minute",
            self.refused,
            peer or "?",
        )
        self.refused, self._said_at = 0, now


def unreadable(text: str, content_type: str) -> str | None:
    """Return why a signed body does not read as slack-bolt reads it, or None when it does."""
    try:
        payload = parse_body(text, content_type or None)
    except ValueError as exc:  # json.JSONDecodeError
        return f"not valid JSON ({exc})"
    if not isinstance(payload, dict):
        return f"a JSON {type(payload).__name__}, not an object"
    return None
