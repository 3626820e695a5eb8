"""Slack adapter: slack-bolt's AsyncApp on our loop (Socket Mode or HTTP); Block Kit alerts."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.base import (
    DeliveryError,
    InFlight,
    Limits,
    MessageGone,
    Pacer,
    Rejected,
    TransientError,
)
from bot.adapters.slack_api import EDIT_GONE, FileNotReady, UploadFailed, api
from bot.adapters.slack_files import ChartFiles, with_picture
from bot.adapters.slack_http import SignedEndpoint
from bot.adapters.slack_rights import SlackRights
from bot.commands import COMMANDS, Handler, Request, needs_rights, split_public
from bot.platforms import SLACK
from bot.render.message import Message

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://slack.com/api/"
EVENTS_PATH = "/slack/events"
DRAIN_TIMEOUT = 5.0  # seconds a stop waits for the commands under way (SIGTERM: 10 s in all)
# The commands with a slash command of their own; /soiree <name> runs any command.
SLASH_COMMANDS = (*(f"/{c.name}" for c in COMMANDS if c.slash), "/soiree")
SHARE_ACTION = "soiree_share"


@dataclass(frozen=True, kw_only=True, slots=True)
class SlackSettings:
    """Tokens and where to listen. An app token means Socket Mode; else HTTP with a secret."""

    bot_token: str
    app_token: str | None = None
    signing_secret: str | None = None
    base_url: str = DEFAULT_BASE_URL
    host: str = "0.0.0.0"
    port: int = 3000
    rate_scale: float = 1.0

    @property
    def socket_mode(self) -> bool:
        """Return True when an app-level token selects Socket Mode."""
        return bool(self.app_token)


def settings_from_env(env: Mapping[str, str], rate_scale: float = 1.0) -> SlackSettings | None:
    """Read the SLACK_* variables and PORT; None when neither mode is configured."""
    if not (env.get("SLACK_APP_TOKEN") or env.get("SLACK_SIGNING_SECRET")):
        return None
    return SlackSettings(
        bot_token=env["SLACK_BOT_TOKEN"],
        app_token=env.get("SLACK_APP_TOKEN") or None,
        signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
        base_url=env.get("SLACK_API_BASE_URL") or DEFAULT_BASE_URL,
        host=env.get("SLACK_HTTP_HOST") or "0.0.0.0",
        port=int(env.get("PORT") or 3000),
        rate_scale=rate_scale,
    )


def slash_to_request_text(command: str, text: str) -> tuple[str, bool]:
    """Map a slash command to our command text, and say whether to post it in the channel."""
    words, public = split_public(text.split())
    if command == "/soiree":
        sub, *rest = words or ["help"]
        return " ".join([f"/{sub.lstrip('/')}", *rest]), public
    return " ".join([command, *words]), public


class SlackAdapter:
    """Serves slash commands and sends alerts; holds no election logic."""

    platform = "slack"

    def __init__(
        self, settings: SlackSettings, handle: Handler, managers: Collection[str] = ()
    ) -> None:
        self.settings, self.handle = settings, handle
        self.limits = Limits(
            per_chat_interval=SLACK.per_chat_interval / settings.rate_scale, concurrency=8
        )
        self.pacer = Pacer(self.limits.per_chat_interval)
        self.client = AsyncWebClient(token=settings.bot_token, base_url=settings.base_url)
        self.rights = SlackRights(self.client, managers)
        self.files = ChartFiles(self.client)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=settings.signing_secret or "",
            request_verification_enabled=not settings.socket_mode,
        )
        for name in SLASH_COMMANDS:
            self.app.command(name)(self._on_command)
        self.app.action(SHARE_ACTION)(self._on_share)
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self.inflight = InFlight()
        # More routes for the HTTP mode's server, given before start(): GET /healthz, /metrics.
        self.routes: list[web.RouteDef] = []

    async def start(self) -> None:
        """Connect over Socket Mode, or serve HTTP at /slack/events."""
        if self.settings.socket_mode:
            self._socket = AsyncSocketModeHandler(self.app, self.settings.app_token)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("slack: connected in Socket Mode")
            return
        endpoint = SignedEndpoint(self.app, self.settings.signing_secret or "")
        # No access log: a line per request, and garbage came 200 at a time.
        served = endpoint.web_app(EVENTS_PATH)
        served.add_routes(self.routes)
        self._runner = web.AppRunner(served, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.settings.host, self.settings.port).start()
        self.port = self._runner.addresses[0][1]
        log.info(
            "slack: serving slash commands at %s:%s%s", self.settings.host, self.port, EVENTS_PATH
        )

    async def stop(self) -> None:
        """Disconnect or stop serving, then let the commands under way finish (for at most
        DRAIN_TIMEOUT): they still read and write the store, which closes after us."""
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
        if self._runner is not None:
            await self._runner.cleanup()
        cut = await self.inflight.drain(DRAIN_TIMEOUT)
        if cut:
            log.warning("slack: %d command(s) under way cut short by the stop", cut)

    async def send(self, chat_id: str, message: Message) -> None:
        """Post a Block Kit message with its text fallback. A chart is uploaded once, not
        shared, and shown by an image block at the end of the layout (`slack_file`); a
        picture refused for good costs the picture, never the news."""
        image = message.image
        if image is None or image.data is None:
            await self.post(chat_id, message)
            return
        try:
            pictured = with_picture(message, await self.files.file_id(image))
        except (Rejected, UploadFailed, ValueError) as exc:
            log.warning("slack: chart not uploaded for %s (%s); posting the text", chat_id, exc)
            pictured = None
        try:
            await self.post(chat_id, pictured or message)
        except FileNotReady as exc:
            if self.files.not_ready(image):
                raise  # the outbox tries again later, with the same file
            log.warning("slack: chart refused in %s (%s); posting the text", chat_id, exc)
            await self.post(chat_id, message)

    async def post(self, chat_id: str, message: Message) -> str:
        """Post a message and return its ts, the id that chat.update takes."""
        response = await api(
            self.client.chat_postMessage(
                channel=chat_id,
                text=message.text,
                blocks=list(message.blocks) if message.blocks else None,
                unfurl_links=False,
                unfurl_media=False,
            )
        )
        ts = response.get("ts")
        if not ts:
            raise TransientError("chat.postMessage answered without a ts")
        return str(ts)

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        """Update a message in place; a deleted one raises MessageGone."""
        try:
            await api(
                self.client.chat_update(
                    channel=chat_id,
                    ts=message_id,
                    text=message.text,
                    blocks=list(message.blocks) if message.blocks else None,
                )
            )
        except (Rejected, TransientError) as exc:
            if str(exc) in EDIT_GONE:
                raise MessageGone(str(exc)) from exc
            raise

    async def pin(self, chat_id: str, message_id: str) -> bool:
        """Pin a message (pins:write); return whether it is pinned."""
        try:
            await api(self.client.pins_add(channel=chat_id, timestamp=message_id))
        except DeliveryError as exc:
            if str(exc) == "already_pinned":
                return True
            log.info("slack: cannot pin in %s: %s", chat_id, exc)
            return False
        return True

    async def unpin(self, chat_id: str, message_id: str) -> None:
        """Unpin a message; a failure is logged, not raised."""
        try:
            await api(self.client.pins_remove(channel=chat_id, timestamp=message_id))
        except DeliveryError as exc:
            log.info("slack: cannot unpin in %s: %s", chat_id, exc)

    async def _on_command(
        self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()  # first, well within Slack's 3 s; the answer follows on response_url
        self.inflight.enter()
        try:
            await self._answer(command, respond)
        finally:
            self.inflight.leave()

    async def _answer(self, command: dict[str, Any], respond: AsyncRespond) -> None:
        text, public = slash_to_request_text(command["command"], command.get("text", ""))
        channel = command["channel_id"]
        reply = await self.handle(
            await self._request(channel, text, command.get("user_id"), command.get("trigger_id"))
        )
        if reply is None:
            return
        if public:
            await self._publish(channel, reply, respond)
            return
        blocks = list(reply.blocks or ())
        if blocks and len(blocks) < SLACK.max_blocks:
            blocks.append(_share_button(text))
        # An ephemeral answer cannot carry a file: the chart comes with "Post to channel".
        await respond(response_type="ephemeral", text=reply.text, blocks=blocks or None)

    async def _on_share(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        self.inflight.enter()
        try:
            await self._share(body, respond)
        finally:
            self.inflight.leave()

    async def _share(self, body: dict[str, Any], respond: AsyncRespond) -> None:
        action = body["actions"][0]
        channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get(
            "channel_id", ""
        )
        user = (body.get("user") or {}).get("id")
        reply = await self.handle(await self._request(channel, action["value"], user, None))
        if reply is not None:
            await self._publish(channel, reply, respond, shared=True)

    async def _request(
        self, channel: str, text: str, user: str | None, trigger: str | None
    ) -> Request:
        """Return the command's request; for a command that needs rights (the command table
        says which), whether its user may manage the channel."""
        request = Request(platform=self.platform, chat_id=channel, text=text, message_id=trigger)
        if not needs_rights(text):
            return request
        allowed = await self.rights.may_manage(user or "", channel)
        return dataclasses.replace(request, can_manage=allowed)

    async def _publish(
        self, channel: str, reply: Message, respond: AsyncRespond, *, shared: bool = False
    ) -> None:
        """Post an answer in the channel: with its chart when there is one and the bot is a
        member, else as an in-channel response. A shared answer replaces its ephemeral one."""
        if reply.image is not None and reply.image.data is not None:
            try:
                await self.pacer.wait(channel)
                await self.send(channel, reply)
                if shared:
                    await respond(delete_original=True)
                return
            except DeliveryError as exc:
                log.info("slack: chart not posted in %s (%s); answering without it", channel, exc)
        await respond(
            response_type="in_channel",
            replace_original=False,
            delete_original=shared or None,
            text=reply.text,
            blocks=list(reply.blocks or ()) or None,
        )


def _share_button(text: str) -> dict[str, Any]:
    return {
        "type": "actions",
        "elements": [{
            "type": "button", "action_id": SHARE_ACTION, "value": text[:2000],
            "text": {"type": "plain_text", "text": "Post to channel / Publier"},
        }],
    }  # fmt: skip
