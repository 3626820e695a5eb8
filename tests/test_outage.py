"""The store's outage notices: straight through the adapters to every admin chat whose
platform runs, in its language; one that cannot be reached does not stop the others."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.base import Adapter, Limits, Pacer, TransientError
from bot.app.leadership import Unreachable
from bot.audience import AdminChats
from bot.outage import OutageNotices, lasted
from bot.render.message import Message


@dataclass
class Recording:
    """A platform that records what it was sent, and fails for the chats in `down`."""

    platform: str = "telegram"
    limits: Limits = field(default_factory=Limits)
    pacer: Pacer = field(default_factory=lambda: Pacer(0.0))
    sent: list[tuple[str, Message]] = field(default_factory=list)
    down: set[str] = field(default_factory=set)

    async def send(self, chat_id: str, message: Message) -> None:
        if chat_id in self.down:
            raise TransientError("Bad Gateway")
        self.sent.append((chat_id, message))


ADMINS = AdminChats(
    {("telegram", "-1"): "fr", ("telegram", "-2"): "en", ("telegram", "-3"): "en",
     ("slack", "C1"): "en"}
)  # fmt: skip


def notices(telegram: Recording, tz: ZoneInfo | None = None) -> OutageNotices:
    adapters: dict[str, Adapter] = {"telegram": telegram}  # type: ignore[dict-item]
    return OutageNotices(adapters, ADMINS, tz or UTC)  # Slack is not running


async def test_each_admin_chat_is_told_in_its_language(caplog: pytest.LogCaptureFixture) -> None:
    telegram = Recording(down={"-3"})
    await notices(telegram).tell("database or disk is full")
    assert [(chat, m.text) for chat, m in telegram.sent] == [
        ("-1", "⚠ La base ne peut plus écrire (database or disk is full) : les alertes sont "
               "retenues et partiront dès qu’elle le pourra ; aucune déjà envoyée ne repartira."),
        ("-2", "⚠ The store cannot write (database or disk is full): alerts are held back and "
               "go out once it can; none already sent goes again."),
    ]  # fmt: skip
    assert "telegram -3 not told about the store: Bad Gateway" in caplog.text
    telegram.sent.clear()
    await notices(telegram).tell(None)
    assert [m.text for _, m in telegram.sent] == [
        "✓ La base écrit de nouveau : les alertes retenues partent.",
        "✓ The store takes writes again: the alerts held back are going out.",
    ]


def test_a_notice_is_escaped_and_laid_out_for_its_platform() -> None:
    telegram = notices(Recording())
    assert "&lt;db&gt;" in telegram.notice("<db> full", "en", "telegram").text
    assert telegram.notice("full", "en", "slack").blocks  # Block Kit for Slack


async def test_an_outage_over_is_told_with_its_times_to_the_second() -> None:
    telegram = Recording(down={"-3"})
    began = datetime(2017, 4, 23, 18, 5, 12, tzinfo=UTC)
    outage = Unreachable(began=began, ended=began + timedelta(seconds=88), seconds=88.4)
    await notices(telegram, ZoneInfo("Europe/Paris")).unreachable(outage)
    assert [(chat, m.text) for chat, m in telegram.sent] == [
        ("-1", "⚠ La base était injoignable de 20:05:12 à 20:06:40 (1 min 28 s) : les alertes "
               "retenues entre-temps partent maintenant."),
        ("-2", "⚠ The store was out of reach from 20:05:12 to 20:06:40 (1 min 28 s): the alerts "
               "held back meanwhile go out now."),
    ]  # fmt: skip


def test_how_long_an_outage_lasted_reads_in_seconds_minutes_or_hours() -> None:
    assert [lasted(s) for s in (2.4, 59.6, 65, 3599, 3600, 7475)] == [
        "2 s", "1 min 00 s", "1 min 05 s", "59 min 59 s", "1 h 00 min", "2 h 04 min",
    ]  # fmt: skip
