"""The console adapter: prints announcements; answers commands typed on its input."""

from __future__ import annotations

import dataclasses
import io
import os
from pathlib import Path

from bot.adapters.console import ConsoleAdapter
from bot.app import display_of
from bot.commands import Commands
from bot.config import DEFAULT_CONFIG, load
from bot.diff import advance, diff
from bot.render.message import Message
from bot.rules import Rules
from bot.store import Cycle, open_store
from tests.builders import at, race, snap
from tests.support import wait_for


async def test_send_prints_the_message() -> None:
    store = await open_store(":memory:")
    out = io.StringIO()
    config = load(DEFAULT_CONFIG)
    commands = Commands(store, display_of(config), config.rules, main_races=config.main_races)
    adapter = ConsoleAdapter(commands, out=out, interactive=False)
    await adapter.start()
    await adapter.send("console", Message(text="Premiers résultats"))
    await adapter.stop()
    await store.close()
    assert out.getvalue().startswith("Premiers résultats\n")


async def test_typed_commands_are_answered(tmp_path: Path) -> None:
    store = await open_store(":memory:")
    s = snap(race({"hamon": 587, "valls": 413}, counted=4422, total=7370), minutes=75)
    events = diff(None, s, Rules(), at(75))
    await store.commit_cycle(
        Cycle(
            source="demo",
            snapshot=s,
            raw=b"{}",
            sha256="0",
            fetched_at=at(75),
            baseline=advance(None, s, events),
            events=events,
            deliveries=[],
            flagged_races=frozenset(),
        )
    )
    config = dataclasses.replace(load(DEFAULT_CONFIG), db=Path(":memory:"))
    read_fd, write_fd = os.pipe()
    out = io.StringIO()
    with os.fdopen(read_fd, "r") as stdin:
        commands = Commands(store, display_of(config), config.rules, main_races=config.main_races)
        adapter = ConsoleAdapter(commands, out=out, stdin=stdin, interactive=True)
        await adapter.start()
        os.write(write_fd, b"/results\n/turnout national\nbonjour\n")
        await wait_for(lambda: "Votants" in out.getvalue(), what="the /turnout reply")
        os.close(write_fd)
        await adapter.stop()
    await store.close()
    text = out.getvalue()
    assert "Hamon : 58,70\xa0% (587 voix)" in text
    assert "4\u202f422 bureaux sur 7\u202f370" in text
    assert text.index("Hamon :") < text.index("Votants")
    assert "bonjour" not in text
