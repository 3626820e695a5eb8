"""What the fault tests share: the bot's config for a night on local feeds, with alerts to
Telegram groups and admin chats, and the texts a chat received from the fake."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.fakes.telegram import FakeTelegram

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
