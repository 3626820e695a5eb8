"""What the fault tests share: the bot's config for a night on local feeds, with alerts to
Telegram groups and admin chats, the texts a chat received from the fake, and several
instances of the bot on one PostgreSQL."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import Call, FakeTelegram
from tests.support import start_bot, wait_for

# Every source is polled quickly; a test overrides these keys (or adds others) per source.
SOURCE_KEYS: Mapping[str, object] = {"interval": 0.05, "timeout": 2}


def night_config(
    tmp_path: Path,
    sources: Mapping[str, str],
    *,
    groups: Sequence[int] = (),
    admins: Sequence[int] = (),
    keys: Mapping[str, object] | None = None,
    top: str = "",
) -> Path:
    """Write `soiree.toml` polling each of `sources` (id → URL) with SOURCE_KEYS and `keys`,
    alerts as text (no charts) to `groups`, anomalies to `admins` (English); return its path.
    `top` adds top-level keys."""
    lines = ['locale = "en"', 'db = "soiree.db"', 'main_races = ["national"]',
             "dispatch_interval = 0.05", top, "", "[charts]", "send_with = []", ""]  # fmt: skip
    for sid, url in sources.items():
        lines += ["[[sources]]", f'id = "{sid}"', f'url = "{url}"']
        lines += [f"{k} = {_toml(v)}" for k, v in {**SOURCE_KEYS, **(keys or {})}.items()]
        lines.append("")
    for chat in groups:
        lines += ["[[chats]]", 'platform = "telegram"', f"id = {chat}", ""]
    for chat in admins:
        lines += ["[[chats]]", 'platform = "telegram"', f"id = {chat}", 'locale = "en"']
        lines += ["admin = true", ""]
    path = tmp_path / "soiree.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _toml(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def texts(tg: FakeTelegram, chat: int) -> list[str]:
    """Return the texts the fake Bot API accepted for `chat`, in order."""
    return [c.params["text"] for c in tg.sent(chat)]


# --- several instances on one PostgreSQL (the failover tests and bench/failover.py) -------


@dataclass
class Instance:
    """One `python -m bot run` of several; `tag` names its calls at the fake Bot API."""

    tag: str
    proc: asyncio.subprocess.Process
    log: Path

    def says(self, text: str) -> bool:
        """Say whether its log holds `text`."""
        return text in self.log.read_text(encoding="utf-8", errors="replace")


class Instances:
    """Instances of one config sharing the PostgreSQL at `url`, each started with its own
    log and its own name at the fake Bot API (and Slack in HTTP mode, when given)."""

    def __init__(
        self, tmp_path: Path, config: Path, tg: FakeTelegram, url: str,
        slack: FakeSlack | None = None,
    ) -> None:  # fmt: skip
        self.tmp_path, self.config, self.tg, self.url, self.slack = tmp_path, config, tg, url, slack
        self.running: list[Instance] = []
        self._made = 0

    async def start(self) -> Instance:
        """Start one more instance; return once it has started (leading or standing by)."""
        self._made += 1
        tag = f"i{self._made}"
        log = self.tmp_path / f"{tag}.log"
        extra = {"SOIREE_DATABASE_URL": self.url, "TELEGRAM_API_BASE_URL": self.tg.base_url_as(tag)}
        proc = await start_bot(self.config, self.tg, log, self.slack, extra=extra)
        one = Instance(tag, proc, log)
        self.running.append(one)
        await wait_for(lambda: one.says("Soirée started") or proc.returncode is not None,
                       patience=60, what=f"{tag} started")  # fmt: skip
        assert proc.returncode is None, log.read_text(encoding="utf-8")
        return one

    async def leader(self, patience: float = 30) -> Instance:
        """Return the instance that holds the lease now (waiting for one)."""
        found: list[Instance] = []

        async def holder() -> bool:
            pid = await leader_pid(self.url)
            found[:] = [i for i in self.running if i.proc.pid == pid]
            return bool(found)

        await wait_for(holder, patience=patience, what="a leader", every=0.02)
        return found[0]

    async def kill(self, one: Instance) -> None:
        """SIGKILL an instance."""
        one.proc.kill()
        await one.proc.wait()
        self.running.remove(one)

    async def stop(self) -> None:
        """Stop every instance cleanly."""
        for one in self.running:
            if one.proc.returncode is None:
                one.proc.send_signal(signal.SIGCONT)  # one a test paused
                one.proc.terminate()
        for one in self.running:
            await one.proc.wait()
        self.running.clear()


async def leader_pid(url: str) -> int | None:
    """Return the process id of the instance whose lease is running, if any (the lease's
    owner is host:pid:nonce)."""
    conn = await asyncpg.connect(url)
    try:
        owner = await conn.fetchval(
            "SELECT owner FROM leases WHERE name='leader' AND expires_at > clock_timestamp()"
        )
    finally:
        await conn.close()
    return int(owner.split(":")[1]) if owner else None


def sends_of(tg: FakeTelegram, who: str | None = None, after: float = 0.0) -> list[Call]:
    """Return what an instance (any, if None) sent (messages, photos, edits, pins) after
    `after` (time.monotonic())."""
    methods = {"sendmessage", "sendphoto", "editmessagetext", "pinchatmessage"}
    return [c for c in tg.calls
            if who in (None, c.who) and c.method in methods and c.t > after]  # fmt: skip
