"""Commands: a chat's text in, a reply out, run the way the command table says."""

from __future__ import annotations

import logging

from bot.admin import Admin
from bot.audience import AdminChats
from bot.charts import Charts
from bot.commands.handlers import Handlers, LiveControl, refusal
from bot.commands.request import Request
from bot.commands.table import find, parse_command, split_public
from bot.deeplinks import BotLinks
from bot.display import Display
from bot.render.message import Message
from bot.rules import Rules
from bot.store import Store, StoreUnavailable

log = logging.getLogger(__name__)


class Commands:
    """Finds a chat's command in the table, checks who may run it, and runs its handler."""

    def __init__(
        self,
        store: Store,
        display: Display,
        rules: Rules,
        *,
        main_races: tuple[str, ...] = (),
        admin: Admin | None = None,
        admins: AdminChats | None = None,
        charts: Charts | None = None,
        live: LiveControl | None = None,
        links: BotLinks | None = None,
    ) -> None:
        self.store = store
        self.handlers = Handlers(
            store, display, rules, main_races=main_races, admin=admin, admins=admins,
            charts=charts, live=live, links=links,
        )  # fmt: skip
        self.admins = self.handlers.admins

    async def handle(self, req: Request) -> Message | None:
        """Return the reply to a command, or None when the text is not a command."""
        parsed = parse_command(req.text)
        if parsed is None:
            return None
        name, words = parsed
        args, _ = split_public(words)  # the reply is in the chat: it is public already
        r = await self.handlers.renderer(req)
        command = find(name)
        # Without an Admin, admin commands are unknown here: not even the chat is checked.
        if command is None or (command.admin_only and self.handlers.admin is None):
            return self.handlers.unknown(name, r)
        if command.admin_only and (req.platform, req.chat_id) not in self.admins:
            return Message(text=r.t("reply.admin_only"))
        if command.admin_only and not req.can_manage:  # a member of the admin chat, no more
            return refusal(r, "reply.admin_not_manager", req, command="/" + command.name)
        try:
            return await command.handler(self.handlers, req, args, r)
        except StoreUnavailable as exc:  # a change the store could not keep is not made
            log.warning("/%s in %s %s not done: the store cannot write (%s)", name,
                        req.platform, req.chat_id, exc)  # fmt: skip
            return Message(text=r.t("reply.store_unavailable"))
