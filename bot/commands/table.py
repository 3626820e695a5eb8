"""The command table: each chat command once, with its names, rights, handler and texts.

Telegram's command menu, Slack's slash commands, the console, /help and the permission
checks all read it; its texts live in the fr and en catalogs (bot/render/fr.py, en.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.commands.handlers import Handlers
from bot.commands.request import Request
from bot.commands.share import on_share, on_start_payload
from bot.render.message import Message
from bot.render.text import CATALOGS, Renderer

CommandHandler = Callable[[Handlers, Request, list[str], Renderer], Awaitable[Message]]


@dataclass(frozen=True, kw_only=True, slots=True)
class Command:
    """One chat command: its English name, its aliases, what runs it, who may, its texts."""

    name: str  # typed as /name
    fr: tuple[str, ...] = ()  # French aliases
    en: tuple[str, ...] = ()  # further English aliases
    handler: CommandHandler
    changes_settings: bool = False  # in a group, its managers' call (the adapter asks who)
    admin_only: bool = False  # from an admin chat only (bot.admin runs it), by its managers
    help: str | None = None  # catalog key of its lines in /help
    menu: str | None = None  # catalog key of its entry in Telegram's command menu
    slash: bool = False  # a Slack slash command of its own, besides /soiree <name>

    @property
    def needs_rights(self) -> bool:
        """Return True when only a chat's managers may run it (Request.can_manage)."""
        return self.changes_settings or self.admin_only

    @property
    def words(self) -> tuple[str, ...]:
        """Return every word that names the command: its name, then its aliases."""
        return (self.name, *self.fr, *self.en)


async def _help(h: Handlers, req: Request, args: list[str], r: Renderer) -> Message:
    admin = h.admin is not None and (req.platform, req.chat_id) in h.admins
    return Message(text=help_text(r, admin=admin))


async def _start(h: Handlers, req: Request, args: list[str], r: Renderer) -> Message:
    if not args:
        return await _help(h, req, args, r)
    return await on_start_payload(h, req, args[0], r)


def _admin(name: str) -> CommandHandler:
    """Return the handler of an admin command: bot.admin's Admin runs it."""

    async def run(h: Handlers, req: Request, args: list[str], r: Renderer) -> Message:
        return await h.on_admin(name, req, args, r)

    return run


COMMANDS: tuple[Command, ...] = (
    Command(name="results", fr=("resultats", "résultats"), handler=Handlers.on_results,
            help="help.results", menu="menu.results", slash=True),
    Command(name="turnout", fr=("participation",), handler=Handlers.on_turnout,
            help="help.turnout", menu="menu.turnout", slash=True),
    Command(name="races", fr=("courses",), handler=Handlers.on_races,
            help="help.races", menu="menu.races"),
    Command(name="subscribe", fr=("abonner",), handler=Handlers.on_subscribe,
            changes_settings=True, help="help.subscribe", menu="menu.subscribe"),
    Command(name="unsubscribe", fr=("desabonner",), handler=Handlers.on_unsubscribe,
            changes_settings=True, help="help.unsubscribe", menu="menu.unsubscribe"),
    Command(name="live", fr=("direct",), handler=Handlers.on_live,
            changes_settings=True, help="help.live", menu="menu.live"),
    Command(name="charts", fr=("graphiques",), handler=Handlers.on_charts,
            changes_settings=True, help="help.charts", menu="menu.charts"),
    Command(name="share", fr=("partager",), handler=on_share, help="help.share",
            menu="menu.share"),
    Command(name="help", fr=("aide",), handler=_help, menu="menu.help"),
    # What a deep link sends once its user presses Start; alone, it is /help.
    Command(name="start", handler=_start, changes_settings=True),
    Command(name="pause", handler=_admin("pause"), admin_only=True, help="help.pause"),
    Command(name="resume", fr=("reprendre",), handler=_admin("resume"), admin_only=True,
            help="help.resume"),
    Command(name="status", fr=("etat",), handler=_admin("status"), admin_only=True,
            help="help.status"),
    Command(name="announce", fr=("annonce",), handler=_admin("announce"), admin_only=True,
            help="help.announce"),
)  # fmt: skip
_BY_WORD = {word: command for command in COMMANDS for word in command.words}


def find(word: str) -> Command | None:
    """Return the command a word names (its name or an alias, lower case), or None."""
    return _BY_WORD.get(word)


def parse_command(text: str) -> tuple[str, list[str]] | None:
    """Split "/results@Bot paris" into ("results", ["paris"]); None if not a command.

    An alias gives its command's name; an unknown word comes back as typed, in lower case.
    """
    words = text.strip().split()
    if not words or not words[0].startswith("/"):
        return None
    word = words[0][1:].split("@", 1)[0].lower()
    command = find(word)
    return (command.name if command else word), words[1:]


PUBLIC_WORDS = frozenset({"public", "publier", "channel", "canal"})


def split_public(words: list[str]) -> tuple[list[str], bool]:
    """Split off a last word asking for the answer in the channel ("/results paris public"):
    Slack answers privately unless asked; elsewhere an answer is in the chat anyway."""
    if words and words[-1].lower() in PUBLIC_WORDS:
        return words[:-1], True
    return words, False


def needs_rights(text: str) -> bool:
    """Return True when a text is a command that only a chat's managers may run, so that an
    adapter asks the platform who typed it (a question it need not ask for /results)."""
    parsed = parse_command(text)
    command = find(parsed[0]) if parsed else None
    return command is not None and command.needs_rights


def help_text(r: Renderer, *, admin: bool = False) -> str:
    """Return /help: the catalog's opening line, then each command's lines in table order,
    its French aliases after its first line; in an admin chat, the admin commands too."""
    lines = [
        r.t("reply.help"),
        *(_help_lines(c, r) for c in COMMANDS if c.help and not c.admin_only),
    ]
    if admin:
        lines += [
            r.t("help.admin"),
            *(_help_lines(c, r) for c in COMMANDS if c.help and c.admin_only),
        ]
    return "\n".join(lines)


def _help_lines(command: Command, r: Renderer) -> str:
    assert command.help is not None
    first, *rest = r.t(command.help).split("\n")
    if command.fr:
        first += " " + r.t("help.aliases", names=", ".join(f"/{a}" for a in command.fr))
    return "\n".join([first, *rest])


def menu(locale: str) -> list[tuple[str, str]]:
    """Return the command menu in a locale: (name, description) in table order."""
    catalog = CATALOGS[locale]
    return [(c.name, catalog[c.menu]) for c in COMMANDS if c.menu]
