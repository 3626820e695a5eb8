"""The live scoreboard through the running app: one message per chat, posted and pinned once,
edited in place (throttled, latest figures win), re-posted if deleted, kept across restarts."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests import support
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import Call, FakeTelegram
from tests.support import post, signed, slash, wait_for

GROUP, CHANNEL, OWNER = -5001, "C501", 42
INTERVAL = 0.5  # live_interval, seconds
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeTelegram, FakeSlack]]:
    tg, slack = FakeTelegram(scale=10), FakeSlack(scale=10)
    await tg.start()
    await slack.start()
    tg.owners.add((GROUP, OWNER))
    tg.can_pin.add(GROUP)  # the bot is an admin of the group with the right to pin
    yield tg, slack
    await tg.stop()
    await slack.stop()


class Night(support.BothNight):
    """The app with both platforms at the fakes and a quick live scoreboard (alerts as text:
    these tests are about the board)."""

    def __init__(self, tmp_path: Path, tg: FakeTelegram, slack: FakeSlack) -> None:
        super().__init__(
            tmp_path, tg, slack, charts="send_with = []", top=f"live_interval = {INTERVAL}"
        )

    async def show(self, minutes: int, counted: int, hamon: int = 590) -> None:
        """Publish a version and wait until the store serves it."""
        self.publish(minutes, {"hamon": hamon, "valls": 1000 - hamon}, counted=counted)

        async def served() -> bool:
            stored = await self.app.store.latest_race("national")
            return stored is not None and stored.race.units.counted == counted

        await wait_for(served, what=f"version {minutes}")

    async def shown_changed(self, before: str | None) -> bool:
        boards = await self.app.store.live_boards()
        return bool(boards) and boards[0].shown != before

    async def board_is(self, message_id: str) -> bool:
        return await self.board_id() == message_id

    async def board_id(self) -> str | None:
        boards = await self.app.store.live_boards()
        return boards[0].message_id if boards else None


def boards_posted(tg: FakeTelegram) -> list[Call]:
    return [c for c in tg.sent(GROUP) if c.params["text"].startswith("<b>🔴 Live")]


def edits(tg: FakeTelegram) -> list[Call]:
    return tg.answered("editmessagetext", GROUP)


async def start_board(night: Night, tg: FakeTelegram) -> int:
    tg.push_command("/live on", chat_id=GROUP, user_id=OWNER, language="en")
    await wait_for(lambda: tg.pinned.get(GROUP), what="the pinned board")
    return tg.pinned[GROUP]


async def test_quick_versions_make_one_post_one_pin_and_throttled_edits(tmp_path, fakes):
    tg, slack = fakes
    async with Night(tmp_path, tg, slack) as night:
        await night.show(10, counted=100)
        message_id = await start_board(night, tg)
        started = time.monotonic()
        for i, n in enumerate((200, 300, 400, 500, 600, 700, 800, 900)):
            await night.show(20 + i, counted=n, hamon=560 + i)
        versions_took = time.monotonic() - started
        await wait_for(lambda: "900 of 1,000" in (tg.text_of(GROUP, message_id) or ""))
        replies = [c.params["text"] for c in tg.sent(GROUP)]
    assert len(boards_posted(tg)) == 1
    assert len(tg.answered("pinchatmessage", GROUP)) == 1
    assert any(r.startswith("Live scoreboard on for Primaire") for r in replies)
    made = edits(tg)
    assert {c.params["message_id"] for c in made} == {message_id}
    assert 1 <= len(made) < 8  # eight versions, fewer edits: the latest figures won
    gaps = [b.t - a.t for a, b in itertools.pairwise(made)]
    print(f"\n8 versions in {versions_took:.2f} s: 1 post, 1 pin, {len(made)} edits, gaps "
          f"{', '.join(f'{g:.2f}' for g in gaps)} s (interval {INTERVAL} s)")  # fmt: skip
    assert all(gap >= INTERVAL * 0.8 for gap in gaps), gaps  # ≤ one edit per interval
    last = made[-1].params["text"]
    assert "Hamon: 56.70% (567 votes)" in last
    assert "900 of 1,000 stations" in last
    assert last.startswith("<b>🔴 Live — Primaire</b>")


async def test_not_modified_counts_as_success(tmp_path, fakes):
    tg, slack = fakes
    async with Night(tmp_path, tg, slack) as night:
        await night.show(10, counted=100)
        message_id = await start_board(night, tg)
        posted = (await night.app.store.live_boards())[0].shown
        tg.fail_next("editMessageText", 400, NOT_MODIFIED, chat_id=GROUP)
        await night.show(11, counted=200)
        await wait_for(lambda: tg.refused(400), what="the not-modified answer")
        await wait_for(lambda: night.shown_changed(posted), what="the board marked as shown")
        shown = (await night.app.store.live_boards())[0].shown
        await night.show(12, counted=300)
        await wait_for(lambda: "300 of 1,000" in (tg.text_of(GROUP, message_id) or ""))
        await wait_for(lambda: night.shown_changed(shown), what="the edit recorded")
        boards = await night.app.store.live_boards()
    assert len(boards_posted(tg)) == 1  # not re-posted
    assert boards[0].message_id == str(message_id)
    assert shown is not None
    attempts = [c for c in tg.calls if c.method == "editmessagetext"]
    assert [c.status for c in attempts] == [400, 200]  # no retry of an edit that "failed"


async def test_a_deleted_board_is_posted_and_pinned_again(tmp_path, fakes):
    tg, slack = fakes
    async with Night(tmp_path, tg, slack) as night:
        await night.show(10, counted=100)
        first = await start_board(night, tg)
        tg.delete_message(GROUP, first)
        await night.show(11, counted=200)
        await wait_for(lambda: len(boards_posted(tg)) == 2, what="the new board")
        await wait_for(lambda: tg.pinned.get(GROUP, first) != first, what="the new pin")
        await wait_for(lambda: night.board_is(str(tg.pinned[GROUP])), what="the new id recorded")
        second = await night.board_id()
    assert second == str(tg.pinned[GROUP]) != str(first)
    assert "200 of 1,000" in (tg.text_of(GROUP, tg.pinned[GROUP]) or "")
    gone = [c for c in tg.calls if c.method == "editmessagetext" and c.status == 400]
    assert len(gone) == 1


async def test_edits_continue_on_the_same_message_after_a_restart(tmp_path, fakes):
    tg, slack = fakes
    async with Night(tmp_path, tg, slack) as night:
        await night.show(10, counted=100)
        message_id = await start_board(night, tg)
    async with Night(tmp_path, tg, slack) as night:
        await night.show(11, counted=400)
        await wait_for(lambda: "400 of 1,000" in (tg.text_of(GROUP, message_id) or ""))
    assert len(boards_posted(tg)) == 1
    assert {c.params["message_id"] for c in edits(tg)} == {message_id}


async def test_live_off_stops_the_edits_and_unpins(tmp_path, fakes):
    tg, slack = fakes
    async with Night(tmp_path, tg, slack) as night:
        await night.show(10, counted=100)
        await start_board(night, tg)
        tg.push_command("/live off", chat_id=GROUP, user_id=OWNER, language="en")
        await wait_for(lambda: GROUP not in tg.pinned, what="the unpin")
        await wait_for(lambda: len(tg.sent(GROUP)) == 3, what="the reply")
        await night.show(11, counted=500)
        await night.app.live.run_once()  # a run after the new figures: nothing to edit
        replies = [c.params["text"] for c in tg.sent(GROUP)]
    assert "Live scoreboard stopped." in replies
    assert edits(tg) == []


async def test_only_group_admins_start_a_board_and_a_pin_refusal_is_not_fatal(tmp_path, fakes):
    tg, slack = fakes
    tg.fail_next(
        "pinChatMessage",
        400,
        "Bad Request: not enough rights to manage pinned messages in the chat",
    )
    async with Night(tmp_path, tg, slack) as night:
        await night.show(10, counted=100)
        tg.push_command("/live on", chat_id=GROUP, user_id=7, language="en")
        await wait_for(lambda: tg.sent(GROUP), what="the refusal")
        tg.push_command("/live on", chat_id=GROUP, user_id=OWNER, language="en")
        await wait_for(lambda: boards_posted(tg), what="the board")
        await wait_for(lambda: tg.refused(400), what="the pin refusal")
        await night.show(11, counted=600)
        await wait_for(lambda: edits(tg), what="an edit all the same")
    assert tg.sent(GROUP)[0].params["text"] == (
        "Only the group's administrators can start or stop the live scoreboard."
    )
    assert GROUP not in tg.pinned


async def test_slack_board_is_posted_pinned_updated_and_reposted(tmp_path, fakes):
    tg, slack = fakes
    async with Night(tmp_path, tg, slack) as night:
        await night.show(10, counted=100)
        body, headers = signed(slash(slack, "/soiree", "live on", channel=CHANNEL))
        assert (await post(night.events_url, body, headers)).status_code == 200
        await wait_for(lambda: slack.pins, what="the pinned board")
        ((channel, ts),) = slack.pins
        await night.show(11, counted=300)
        await wait_for(lambda: "300 of 1,000" in slack.messages.get((CHANNEL, ts), ""))
        slack.delete(CHANNEL, ts)
        await night.show(12, counted=500)
        await wait_for(lambda: len(slack.pins) == 1 and (CHANNEL, ts) not in slack.pins)
        ((__, new_ts),) = slack.pins
    assert channel == CHANNEL
    assert "500 of 1,000" in slack.messages[(CHANNEL, new_ts)]
    updates = [c for c in slack.calls if c.method == "chat.update"]
    assert [c.error for c in updates] == [None, "message_not_found"]
    assert slack.responses[0][1]["text"].startswith("Live scoreboard on for Primaire")


async def test_a_pin_cut_short_by_a_429_leaves_one_board(tmp_path, fakes):
    tg, slack = fakes
    tg.fail_next(
        "pinChatMessage", 429, "Too Many Requests: retry after 1", parameters={"retry_after": 1}
    )
    async with Night(tmp_path, tg, slack) as night:
        await night.show(10, counted=100)
        tg.push_command("/live on", chat_id=GROUP, user_id=OWNER, language="en")
        await wait_for(lambda: boards_posted(tg), what="the board")
        await night.show(11, counted=700)
        await wait_for(lambda: edits(tg), what="the next figures, edited in")
        board = await night.board_id()
    assert len(boards_posted(tg)) == 1  # the board was recorded before the pin failed
    assert board is not None
    assert {c.params["message_id"] for c in edits(tg)} == {int(board)}
    assert GROUP not in tg.pinned


async def test_an_edit_refused_with_429_waits_retry_after_then_goes_in(tmp_path, fakes):
    tg, slack = fakes
    async with Night(tmp_path, tg, slack) as night:
        await night.show(10, counted=100)
        message_id = await start_board(night, tg)
        tg.fail_next(
            "editMessageText", 429, "Too Many Requests: retry after 2",
            parameters={"retry_after": 2}, chat_id=GROUP,
        )  # fmt: skip
        await night.show(11, counted=800)
        await wait_for(lambda: "800 of 1,000" in (tg.text_of(GROUP, message_id) or ""))
    attempts = [c for c in tg.calls if c.method == "editmessagetext"]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].t - attempts[0].t >= 2.0 * 0.95  # honoured retry_after (not scaled)
    assert len(boards_posted(tg)) == 1
