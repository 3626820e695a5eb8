"""The console adapter: prints announcements, and answers commands typed on a terminal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from typing import TextIO

from bot.adapters.base import Limits, Pacer
from bot.commands import Commands, Request
from bot.render.message import Message

log = logging.getLogger(__name__)

CHAT_ID = "console"


class ConsoleAdapter:
    """A chat on standard output; with a terminal on stdin, it takes commands too."""

    platform = "console"
    limits = Limits()
    pacer = Pacer(0.0)

    def __init__(
        self,
        commands: Commands,
        *,
        out: TextIO | None = None,
        stdin: TextIO | None = None,
        interactive: bool | None = None,
    ) -> None:
        self.commands = commands
        self.out = out or sys.stdout
        self.stdin = stdin or sys.stdin
        self.interactive = self.stdin.isatty() if interactive is None else interactive
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start reading commands when stdin is interactive."""
        if self.interactive:
            self._task = asyncio.create_task(self._read_loop(), name="console-input")
            self.print("Soirée — type /help, /results, /turnout (Ctrl-C to quit)")

    async def stop(self) -> None:
        """Stop reading commands."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def send(self, chat_id: str, message: Message) -> None:
        """Print an announcement."""
        self.print(message.text)

    def print(self, text: str) -> None:
        """Write a block of text and a separator."""
        self.out.write(f"{text}\n{'─' * 40}\n")
        self.out.flush()

    async def answer(self, line: str) -> None:
        """Run one typed line as a command and print the reply."""
        reply = await self.commands.handle(
            Request(platform=self.platform, chat_id=CHAT_ID, text=line)
        )
        if reply is not None:
            self.print(reply.text)

    async def _read_loop(self) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), self.stdin)
        while line := await reader.readline():
            try:
                await self.answer(line.decode("utf-8", "replace"))
            except Exception:
                log.exception("console command failed")
