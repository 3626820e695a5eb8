"""Commands: a chat's text in, a reply out, run the way the command table says."""

from __future__ import annotations

from bot.admin import Admin
from bot.charts import Charts
from bot.commands.handlers import Handlers, LiveControl
from bot.commands.request import Request
from bot.commands.table import find, parse_command
from bot.display import Display
from bot.render.message import Message
from bot.rules import Rules
from bot.store import Store


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
        charts: Charts | None = None,
        live: LiveControl | None = None,
    ) -> None:
        self.store = store
        self.handlers = Handlers(
            store, display, rules, main_races=main_races, admin=admin, charts=charts, live=live
        )

    async def handle(self, req: Request) -> Message | None:
        """Return the reply to a command, or None when the text is not a command."""
        parsed = parse_command(req.text)
        if parsed is None:
            return None
        name, args = parsed
        r = await self.handlers.renderer(req)
        command = find(name)
        # Without an Admin, admin commands are unknown here: not even the chat is checked.
        if command is None or (command.admin_only and self.handlers.admin is None):
            return self.handlers.unknown(name, r)
        if command.admin_only and not await self.store.is_admin_chat(req.platform, req.chat_id):
            return Message(text=r.t("reply.admin_only"))
        return await command.handler(self.handlers, req, args, r)
