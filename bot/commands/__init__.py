"""Chat commands, platform-neutral: the command table, its handlers, and what runs them."""

from bot.commands.dispatch import Commands
from bot.commands.handlers import LiveControl
from bot.commands.request import Handler, Request
from bot.commands.table import (
    COMMANDS,
    Command,
    find,
    help_text,
    menu,
    needs_rights,
    parse_command,
    split_public,
)

__all__ = [
    "COMMANDS",
    "Command",
    "Commands",
    "Handler",
    "LiveControl",
    "Request",
    "find",
    "help_text",
    "menu",
    "needs_rights",
    "parse_command",
    "split_public",
]
