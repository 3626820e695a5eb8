"""The real python-telegram-bot against a strict fake Bot API on 127.0.0.1."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.base import TransientError
from bot.adapters.telegram import TelegramAdapter, TelegramSettings
from bot.render.message import Message
from tests import support
from tests.fakes.telegram import FakeTelegram
from tests.support import chats, wait_for

GROUPS = [-1001, -1002, -1003, -1004, -1005, -1006]
PACE_SCALE = 2  # the pacing test's time scale


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(scale=10)
    await fake.start()
    yield fake
    await fake.stop()


class Night(support.Night):
    """The app with Telegram pointed at the fake."""

    def __init__(
        self,
        tmp_path: Path,
        tg: FakeTelegram,
        extra: str = "",
        scale: float = 10,
        digest_max: int | None = None,
    ):
        env = {
            "TELEGRAM_BOT_TOKEN": tg.token,
            "TELEGRAM_API_BASE_URL": tg.base_url,
            "TELEGRAM_POLL_TIMEOUT": "1",
        }
        super().__init__(tmp_path, env, extra, scale, digest_max)


async def test_command_in_a_group_is_answered_in_that_group(tmp_path: Path, tg: FakeTelegram):
    async with Night(tmp_path, tg, scale=1) as night:
        night.publish(10, {"hamon": 587, "valls": 413}, counted=600)
        await wait_for(lambda: "Hamon" in night.out.getvalue(), what="the console alert")
        tg.push_command("/results@SoireeBot national", chat_id=-1009, language="fr")
        await wait_for(lambda: tg.sent(-1009), what="the reply")
    reply = tg.sent(-1009)[0].params
    assert reply["parse_mode"] == "HTML"
    assert reply["text"].startswith("<b>Primaire</b>")
    assert "Hamon : 58,70\xa0% (587 voix)" in reply["text"]
    assert "600 bureaux sur 1\u202f000" in reply["text"]
    assert not tg.sent(-1001)
    methods = [c.method for c in tg.calls]
    assert methods[0] == "getme"
    assert "deletewebhook" in methods
    langs = [c.params.get("language_code") for c in tg.calls if c.method == "setmycommands"]
    assert sorted(langs, key=str) == sorted([None, "fr"], key=str)


async def test_english_speaker_gets_english_without_subscription(tmp_path, tg):
    async with Night(tmp_path, tg, scale=1) as night:
        night.publish(10, {"hamon": 587, "valls": 413}, counted=600)
        await wait_for(lambda: "Hamon" in night.out.getvalue(), what="the console alert")
        tg.push_command("/turnout", chat_id=77, chat_type="private", language="en-GB")
        await wait_for(lambda: tg.sent(77), what="the reply")
    assert "Voters: 1,000" in tg.sent(77)[0].params["text"]


async def test_alerts_fan_out_within_limits(tmp_path: Path):
    # Scaled ×2, not ×10: one "second" is 0.5 s, so the arrival jitter of a loaded machine
    # (tens of milliseconds, once 0.149 s for 0.15 s at ×10) stays small beside the pace.
    tg = FakeTelegram(scale=PACE_SCALE)
    await tg.start()
    try:
        await _fan_out_within_limits(tmp_path, tg)
    finally:
        await tg.stop()


async def _fan_out_within_limits(tmp_path: Path, tg: FakeTelegram) -> None:
    interval = 1 / PACE_SCALE
    async with Night(tmp_path, tg, extra=chats(*GROUPS), scale=PACE_SCALE, digest_max=1) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: all(len(tg.sent(g)) == 1 for g in GROUPS), what="first")
        night.publish(20, {"hamon": 590, "valls": 410}, counted=520, voters=1200)
        # 10, 25 and 50 % are one message; then the voters milestone.
        await wait_for(lambda: all(len(tg.sent(g)) == 3 for g in GROUPS), what="two more")
    assert tg.refused(429) == []
    for g in GROUPS:
        times = [c.t for c in tg.sent(g)]
        # Paced one per "second" (0.5 s scaled); the fake, which refused nothing, allows a
        # burst of two, and arrival jitter on a loaded machine is tens of milliseconds.
        assert times[-1] - times[0] >= (len(times) - 1) * interval * 0.75, (g, times)
        headlines = [c.params["text"].split("\n")[0] for c in tg.sent(g)]
        assert headlines[0] == "<b>Premiers résultats — Primaire</b>"
        assert headlines[1:] == [
            "<b>50\xa0% des bureaux dépouillés — Primaire</b>",
            "<b>Plus de 1\u202f000 votants — Primaire</b>",
        ]


async def test_alerts_due_together_arrive_as_one_digest(tmp_path: Path, tg: FakeTelegram):
    async with Night(tmp_path, tg, extra=chats(-1001)) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: len(tg.sent(-1001)) == 1, what="first")
        night.publish(20, {"hamon": 590, "valls": 410}, counted=520, voters=1200)
        await wait_for(lambda: len(tg.sent(-1001)) == 2, what="the digest")

        async def recorded() -> bool:  # the fake answered; the bot then records the send
            return len(await night.app.store.sent("telegram")) == 4

        await wait_for(recorded, what="the digest recorded as sent")
        rows = await night.app.store.sent("telegram")
    digest = tg.sent(-1001)[1].params["text"]
    assert digest.startswith("<b>50\xa0% des bureaux dépouillés — Primaire</b>")
    assert "\n\n<b>Plus de 1\u202f000 votants — Primaire</b>" in digest
    assert "\n\n<b>Participation en hausse par rapport au tour précédent" in digest
    assert [key for key, _, _ in rows] == [
        "national:first_results",
        "national:reporting:50",
        "national:turnout:voters:1000",
        "national:turnout_trend:up",  # 1,200 voters at 52 %: pro rata up on round 1's 1,500
    ]  # each alert is recorded as sent: none is resent after a restart


async def test_429_is_retried_after_retry_after_and_arrives_once(tmp_path, tg):
    tg.fail_next(
        "sendMessage",
        429,
        "Too Many Requests: retry after 1",
        parameters={"retry_after": 1},
        chat_id=-1002,
    )
    async with Night(tmp_path, tg, extra=chats(-1001, -1002)) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: len(tg.sent(-1002)) == 1, what="the retried message")
        await wait_for(lambda: len(tg.sent(-1001)) == 1, what="the other group")
    attempts = [c for c in tg.calls if c.method == "sendmessage" and c.params["chat_id"] == -1002]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].t - attempts[0].t >= 1.0
    assert attempts[0].params["text"] == attempts[1].params["text"]


async def test_403_disables_the_subscription(tmp_path, tg):
    tg.fail_next(
        "sendMessage", 403, "Forbidden: bot was kicked from the supergroup chat", chat_id=-1003
    )
    async with Night(tmp_path, tg, extra=chats(-1001, -1003)) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: tg.sent(-1001), what="the other group")

        async def disabled() -> bool:
            return not await night.app.store.subscriptions("telegram", "-1003")

        await wait_for(disabled, what="the subscription disabled")
        night.publish(20, {"hamon": 290, "valls": 210}, counted=300)
        await wait_for(lambda: len(tg.sent(-1001)) == 2, what="the next alert")
    to_kicked = [c for c in tg.calls if c.method == "sendmessage" and c.params["chat_id"] == -1003]
    assert len(to_kicked) == 1


async def test_migration_moves_the_subscription_and_delivers(tmp_path, tg):
    tg.fail_next(
        "sendMessage",
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        parameters={"migrate_to_chat_id": -1009999},
        chat_id=-1004,
    )
    async with Night(tmp_path, tg, extra=chats(-1004)) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: tg.sent(-1009999), what="delivery to the new id")
        subs = await night.app.store.subscriptions("telegram")
    assert [s.chat_id for s in subs] == ["-1009999"]
    assert "Premiers résultats" in tg.sent(-1009999)[0].params["text"]


async def test_subscribe_is_for_group_admins_only(tmp_path, tg):
    tg.owners.add((-1005, 7))
    async with Night(tmp_path, tg) as night:
        tg.push_command("/subscribe@SoireeBot", chat_id=-1005, user_id=8)
        await wait_for(lambda: tg.sent(-1005), what="the refusal")
        tg.push_command("/subscribe@SoireeBot national en", chat_id=-1005, user_id=7)
        await wait_for(lambda: len(tg.sent(-1005)) == 2, what="the confirmation")
        subs = await night.app.store.subscriptions("telegram", "-1005")
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: len(tg.sent(-1005)) == 3, what="the first alert")
    texts = [c.params["text"] for c in tg.sent(-1005)]
    assert "administrateurs" in texts[0]
    assert texts[1] == "Subscribed: national (en)."
    assert [(s.race, s.locale) for s in subs] == [("national", "en")]
    assert texts[2].startswith("<b>First results — Primaire</b>")


async def test_feed_text_is_escaped(tmp_path, tg):
    async with Night(tmp_path, tg, extra=chats(-1006)) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50, name="<b>X</b> & Co")
        await wait_for(lambda: tg.sent(-1006), what="the alert")
        tg.push_command("/results", chat_id=-1006)
        await wait_for(lambda: len(tg.sent(-1006)) == 2, what="the reply")
    for call in tg.sent(-1006):
        assert "&lt;b&gt;X&lt;/b&gt; &amp; Co" in call.params["text"]
        assert "<b>X</b>" not in call.params["text"]
    assert tg.refused(400) == []


async def test_long_reply_is_split_on_lines(tmp_path, tg):
    votes = {f"candidate{i:03d}_{'x' * 40}": 1000 - i for i in range(120)}
    async with Night(tmp_path, tg) as night:
        night.publish(10, votes, counted=50)
        await wait_for(lambda: "Candidate000" in night.out.getvalue(), what="the console alert")
        tg.push_command("/results", chat_id=-1007)
        await wait_for(lambda: len(tg.sent(-1007)) >= 2, what="a split reply")
        await wait_for(
            lambda: "Candidate119" in tg.sent(-1007)[-1].params["text"], what="the last part"
        )
    parts = [c.params["text"] for c in tg.sent(-1007)]
    assert all(len(p) <= 4096 for p in parts)
    joined = "\n".join(parts)
    assert all(f"Candidate{i:03d}" in joined for i in range(120))
    assert tg.refused(400) == []


async def test_bad_token_leaves_the_console_running(tmp_path, tg, caplog):
    # The fake's address with a token it refuses; the adapters are made with the app.
    env = {"TELEGRAM_BOT_TOKEN": "999:WRONG", "TELEGRAM_API_BASE_URL": tg.base_url,
           "TELEGRAM_POLL_TIMEOUT": "1"}  # fmt: skip
    night = support.Night(tmp_path, env, extra=chats(-1001))
    async with night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(
            lambda: "Premiers" in night.out.getvalue() or "First" in night.out.getvalue()
        )
        assert "telegram" not in night.app.adapters
        assert (await night.app.store.outbox_counts())["pending"] == 1  # kept for Telegram
    assert "telegram adapter did not start" in caplog.text
    assert "WRONG" not in caplog.text or "999:WRONG" not in caplog.text


async def test_group_limit_of_twenty_a_minute_holds(tmp_path, tg):
    """25 messages due at once to one group: spread so that no 60 s window (÷10) has > 20."""
    from bot.render.message import Message
    from bot.store import Delivery
    from tests.builders import at

    async with Night(tmp_path, tg, digest_max=1) as night:
        await night.app.store.enqueue(
            [
                Delivery(
                    event_key=f"e{i}",
                    platform="telegram",
                    chat_id="-1008",
                    message=Message(text=f"message {i}"),
                )
                for i in range(25)
            ],
            at(0),
        )
        night.app.wake()
        await wait_for(lambda: len(tg.sent(-1008)) == 25, patience=20, what="all 25")
    assert tg.refused(429) == []
    times = [c.t for c in tg.sent(-1008)]
    window = 60 / 10
    assert all(sum(1 for t in times if start <= t < start + window) <= 20 for start in times)
    assert times[20] - times[0] >= window * 0.95  # the 21st had to wait for the window
    assert [c.params["text"] for c in tg.sent(-1008)] == [f"message {i}" for i in range(25)]


async def test_a_5xx_storm_and_timeouts_lose_nothing_and_double_nothing(tmp_path, tg):
    """Five 502s in a row for one group, then the Bot API is back: one delivery, in order."""
    tg.fail_next("sendMessage", 502, "Bad Gateway", chat_id=-1010, times=5)
    async with Night(tmp_path, tg, extra=chats(-1010, -1011)) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: tg.sent(-1011), what="the healthy group")
        night.publish(20, {"hamon": 290, "valls": 210}, counted=300)
        await wait_for(lambda: len(tg.sent(-1010)) == 1, patience=20, what="after the storm")
        await wait_for(lambda: len(tg.sent(-1011)) == 2, what="the healthy group's second")
    attempts = [c for c in tg.calls if c.method == "sendmessage" and c.params["chat_id"] == -1010]
    assert [c.status for c in attempts] == [502] * 5 + [200]
    gaps = [b.t - a.t for a, b in itertools.pairwise(attempts)]
    assert gaps[-1] > 4 * gaps[0]  # backing off exponentially, not hammering
    digest = tg.sent(-1010)[0].params["text"]
    assert digest.index("Premiers résultats") < digest.index("25\xa0%")  # both, in order


# --- channels, deep links, /share (issue 19) ----------------------------------------------


def channel(name: str) -> str:
    return f'\n[[chats]]\nplatform = "telegram"\nid = "{name}"\nlocale = "fr"\n'


async def test_channels_from_the_config_get_the_alerts_and_a_lost_one_is_dropped(tmp_path, tg):
    tg.add_channel(-100701, "soiree_live")
    tg.add_channel(-100702)
    tg.add_channel(-100703, "plus_admin", admin=False)  # the bot was demoted
    extra = channel("@soiree_live") + chats(-100702) + channel("@plus_admin")
    async with Night(tmp_path, tg, extra=extra) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: tg.sent(-100701) and tg.sent(-100702), what="both channels")

        async def dropped() -> bool:
            return not await night.app.store.subscriptions("telegram", "@plus_admin")

        await wait_for(dropped, what="the channel that refused the bot dropped")
    for chat in (-100701, -100702):
        assert tg.sent(chat)[0].params["text"].startswith("<b>Premiers résultats — Primaire</b>")
    assert tg.sent(-100701)[0].params["chat_ref"] == "@soiree_live"
    refusals = [c for c in tg.calls if c.status == 400 and c.params.get("chat_id") == -100703]
    assert len(refusals) == 1


async def test_subscribe_posted_in_a_channel_by_its_admins(tmp_path, tg) -> None:
    tg.add_channel(-100704)
    async with Night(tmp_path, tg) as night:
        tg.push_channel_post("/subscribe@SoireeBot national", chat_id=-100704)
        await wait_for(lambda: tg.sent(-100704), what="the confirmation")
        subs = await night.app.store.subscriptions("telegram", "-100704")
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: len(tg.sent(-100704)) == 2, what="the first alert")
    texts = [c.params["text"] for c in tg.sent(-100704)]
    assert texts[0] == "Subscribed: national (en)."  # no user, no language: the config's
    assert texts[1].startswith("<b>First results — Primaire</b>")
    assert [s.race for s in subs] == ["national"]
    assert not [c for c in tg.calls if c.method == "getchatmember"]  # only admins post there


async def test_a_deep_link_subscribes_the_private_chat_that_presses_start(tmp_path, tg):
    async with Night(tmp_path, tg) as night:
        tg.open_deep_link("national", user_id=601, language="fr")
        tg.open_deep_link("x" * 65, user_id=602, language="en")  # Telegram drops the payload
        await wait_for(lambda: tg.sent(601) and tg.sent(602), what="both replies")
        subscribed = await night.app.store.subscriptions("telegram", "601")
        none = await night.app.store.subscriptions("telegram", "602")
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: len(tg.sent(601)) == 2, what="the first alert")
    assert tg.sent(601)[0].params["text"] == (
        "Abonné : national (fr).\n/unsubscribe les arrête ; /results donne les résultats."
    )
    assert [s.race for s in subscribed] == ["national"]
    assert tg.sent(602)[0].params["text"].startswith("Soirée, election-night results.")
    assert none == []
    assert tg.sent(601)[1].params["text"].startswith("<b>Premiers résultats — Primaire</b>")


async def test_share_posts_the_link_under_its_qr_code(tmp_path, tg) -> None:
    async with Night(tmp_path, tg) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: "Hamon" in night.out.getvalue(), what="the console alert")
        tg.push_command("/share@SoireeBot", chat_id=-1012)
        await wait_for(lambda: tg.answered("sendphoto", -1012), what="the QR code")
    photo = tg.answered("sendphoto", -1012)[0].params
    assert photo["photo"].startswith(b"\x89PNG")
    assert photo["caption"].endswith("\nhttps://t.me/SoireeBot?start=main")
    assert "les courses principales" in photo["caption"]


async def test_a_channels_live_scoreboard_is_pinned_and_edited(tmp_path, tg) -> None:
    tg.add_channel(-100705, "soiree_direct")
    tg.can_pin.add(-100705)
    env = {"TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url,
           "TELEGRAM_POLL_TIMEOUT": "1"}  # fmt: skip
    quick = support.Night(tmp_path, env, channel("@soiree_direct"), top="live_interval = 0.5")
    async with quick as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: tg.sent(-100705), what="the first alert")
        tg.push_channel_post("/live on", chat_id=-100705)
        await wait_for(lambda: tg.pinned.get(-100705), what="the pinned board")
        board = tg.pinned[-100705]
        night.publish(20, {"hamon": 290, "valls": 210}, counted=300)
        await wait_for(lambda: "300" in (tg.text_of(-100705, board) or ""), what="the board edited")
    assert tg.text_of(-100705, board).startswith("<b>🔴")  # type: ignore[union-attr]
    assert tg.answered("editmessagetext", -100705)


async def test_a_standby_takes_no_updates_and_sends_only_while_it_may(tg: FakeTelegram):
    async def nobody(request: object) -> None:
        raise AssertionError("no command reaches a standby")

    leads = False
    adapter = TelegramAdapter(
        TelegramSettings(token=tg.token, base_url=tg.base_url, poll_timeout=1, trust_env=False),
        nobody,  # type: ignore[arg-type]
    )
    adapter.may_send = lambda: leads
    adapter.listening = False  # a standby: Telegram allows one getUpdates per token
    await adapter.start()
    try:
        with pytest.raises(TransientError, match="does not lead"):
            await adapter.send("-1001", Message(text="from a standby"))
        assert tg.sent() == []
        assert tg.answered("getupdates") == []
        leads = True  # it takes the lease
        await adapter.listen(True)
        await adapter.send("-1001", Message(text="from the leader"))
        await wait_for(lambda: tg.answered("getupdates"), what="getUpdates")
        await adapter.listen(False)  # its lease ends
        polled = len(tg.answered("getupdates"))
    finally:
        await adapter.stop()
    assert [c.params["text"] for c in tg.sent()] == ["from the leader"]
    assert len(tg.answered("getupdates")) <= polled + 1  # at most the one under way
