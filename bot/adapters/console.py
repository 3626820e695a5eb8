"""The console adapter: prints announcements, and answers commands typed on a terminal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from pathlib import Path
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
        charts_dir: Path | None = None,
    ) -> None:
        self.commands = commands
        self.charts_dir = charts_dir
        self._posted = 0
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
        """Print an announcement; its chart, if any, is saved as a PNG and its path shown."""
        self.print(self._with_image(message))

    async def post(self, chat_id: str, message: Message) -> str:
        """Print a live scoreboard; return its number, for the updates."""
        self._posted += 1
        self.print(message.text)
        return str(self._posted)

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        """Print a live scoreboard's new content (a terminal cannot rewrite a past block)."""
        self.print(f"[{message_id} ↻] {message.text}")

    async def pin(self, chat_id: str, message_id: str) -> bool:
        """Nothing to pin on a terminal."""
        return False

    async def unpin(self, chat_id: str, message_id: str) -> None:
        """Nothing to unpin on a terminal."""

    def _with_image(self, message: Message) -> str:
        image = message.image
        if image is None or image.data is None or self.charts_dir is None:
            return message.text
        self.charts_dir.mkdir(parents=True, exist_ok=True)
        path = self.charts_dir / f"{image.key[:16]}.png"
        if not path.exists():
            path.write_bytes(image.data)
        return f"{message.text}\n🖼  {path}"

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
            self.print(self._with_image(reply))

    async def _read_loop(self) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), self.stdin)
        while line := await reader.readline():
            try:
                await self.answer(line.decode("utf-8", "replace"))
            except Exception:
                log.exception("console command failed")
