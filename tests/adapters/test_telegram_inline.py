"""Inline mode through the real python-telegram-bot: "@SoireeBot Paris" in any chat, answered
within answerInlineQuery's limits, the chart as a photo by a file id; also as `python -m bot
run`, with a channel and a deep link."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import BadRequest
from telegram.request import HTTPXRequest

from bot.adapters.telegram_inline import MAX_ID_BYTES, InlineMode, button, result_id
from bot.commands.inline import Card, Cards
from bot.render.message import Message
from tests import support
from tests.builders import feed_doc
from tests.fakes.telegram import FakeTelegram
from tests.support import start_bot, wait_for, write_config

MEDIA = -100900  # where the bot uploads charts for photo results
CARD = "<b>Primaire</b>"


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(scale=10)
    await fake.start()
    yield fake
    await fake.stop()


def night(tmp_path: Path, tg: FakeTelegram, **kw: str) -> support.Night:
    env = {"TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url,
           "TELEGRAM_POLL_TIMEOUT": "1"}  # fmt: skip
    return support.Night(tmp_path, env, **kw)


async def counted(n: support.Night) -> None:
    n.publish(10, {"hamon": 587, "valls": 413}, counted=600)
    await wait_for(lambda: "Hamon" in n.out.getvalue(), what="the console alert")


async def test_an_inline_query_lists_the_race_and_sends_its_card(tmp_path, tg) -> None:
    async with night(tmp_path, tg) as n:
        await counted(n)
        query = tg.push_inline_query("primaire", language="fr")
        await wait_for(lambda: tg.answer_to(query), what="the inline answer")
    answer = tg.answer_to(query)
    assert answer is not None
    assert (answer.cache_time, answer.is_personal) == (5, False)
    assert answer.button == {"text": "Les alertes de Primaire en privé",
                             "start_parameter": "national"}  # fmt: skip
    [result] = answer.results
    assert result["type"] == "article"
    assert result["title"] == "Primaire"
    assert result["description"].startswith("Hamon : 58,70\xa0% (587 voix) · Valls")
    assert len(result["id"].encode()) <= MAX_ID_BYTES
    shown = tg.choose(answer, 0, chat_id=-1500)  # sent "via @SoireeBot" into another chat
    assert shown.startswith("Primaire\nHamon : 58,70\xa0% (587 voix)")
    assert tg.refused(400) == []


async def test_an_empty_query_answers_the_main_races_in_the_users_language(tmp_path, tg):
    async with night(tmp_path, tg) as n:
        await counted(n)
        query = tg.push_inline_query("", language="en")
        unknown = tg.push_inline_query("Atlantide", language="en")
        await wait_for(lambda: tg.answer_to(query) and tg.answer_to(unknown), what="answers")
    answer, none = tg.answer_to(query), tg.answer_to(unknown)
    assert answer is not None
    assert none is not None
    text = answer.results[0]["input_message_content"]["message_text"]
    assert text.startswith(CARD)
    assert "Hamon: 58.70% (587 votes)" in text
    assert none.results == []
    assert none.button == {"text": "Get the alerts in a private chat", "start_parameter": "main"}


async def test_with_charts_and_a_media_chat_the_card_is_a_photo(tmp_path, tg) -> None:
    top = f"telegram = {{ media_chat = {MEDIA} }}"
    async with night(tmp_path, tg, charts="", top=top) as n:
        await counted(n)
        first = tg.push_inline_query("national")
        await wait_for(lambda: tg.answer_to(first), what="the first answer")
        again = tg.push_inline_query("national")
        await wait_for(lambda: tg.answer_to(again), what="the second answer")
    answers = [tg.answer_to(first), tg.answer_to(again)]
    uploads = tg.answered("sendphoto", MEDIA)
    assert len(uploads) == 1  # once, then by its file id
    assert uploads[0].params["disable_notification"] in (True, "true", "True")
    for answer in answers:
        assert answer is not None
        [photo] = answer.results
        assert photo["type"] == "photo"
        assert photo["photo_file_id"].startswith("photo")
        assert photo["caption"].startswith(CARD)
        assert photo["parse_mode"] == "HTML"
    assert tg.refused(400) == []


def test_result_ids_are_short_whatever_the_race_id() -> None:
    ids = {result_id(f"légis:{'x' * 200}:{i}") for i in range(100)}
    assert len(ids) == 100
    assert all(len(i.encode()) <= MAX_ID_BYTES for i in ids)


async def test_at_most_fifty_results_and_the_fake_holds_telegrams_rules(tg) -> None:
    cards = Cards(
        cards=tuple(Card(race_id=f"r{i}", title=f"Race {i}", description="·",
                         message=Message(text=f"<b>Race {i}</b>")) for i in range(60)),
        button="Get the alerts in a private chat", payload="main", locale="en",
    )  # fmt: skip
    results = await InlineMode(inline=None).results(cards)  # type: ignore[arg-type]
    assert len(results) == 50
    bot = Bot(tg.token, base_url=tg.base_url,
              request=HTTPXRequest(httpx_kwargs={"trust_env": False}))  # fmt: skip
    async with bot:
        query = tg.push_inline_query("race")
        too_many = tg.push_inline_query("race")
        with pytest.raises(BadRequest, match=r"(?i)results_too_much"):
            await bot.answer_inline_query(too_many, [*results, *results[:1]])
        assert await bot.answer_inline_query(query, results, button=button(cards))
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):  # one answer per query
            await bot.answer_inline_query(query, results)
        bad = tg.push_inline_query("race")
        with pytest.raises(BadRequest, match=r"(?i)start_param_invalid"):
            await bot.answer_inline_query(
                bad, results, api_kwargs={"switch_pm_text": "Go", "switch_pm_parameter": "a b"}
            )


def test_no_button_for_a_payload_outside_the_rule() -> None:
    long = Cards(cards=(), button="x", payload="y" * 65, locale="fr")
    assert button(long) is None


async def test_the_real_process_answers_inline_posts_in_a_channel_and_follows_a_link(
    tmp_path: Path, tg: FakeTelegram
) -> None:
    tg.add_channel(-100777, "soiree_live")
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps(feed_doc(10, {"hamon": 587, "valls": 413}, counted=600)))
    channel = '\n[[chats]]\nplatform = "telegram"\nid = "@soiree_live"\nlocale = "fr"\n'
    config = write_config(tmp_path, "file:feed.json", extra=channel)
    proc = await start_bot(config, tg, tmp_path / "bot.log")
    try:
        await wait_for(lambda: tg.sent(-100777), patience=30, what="the channel's alert")
        query = tg.push_inline_query("prim")
        await wait_for(lambda: tg.answer_to(query), patience=20, what="the inline answer")
        tg.open_deep_link("national", user_id=501, language="en")
        await wait_for(lambda: tg.sent(501), patience=20, what="the deep link's reply")
    finally:
        proc.terminate()
        await proc.wait()
    assert tg.sent(-100777)[0].params["chat_ref"] == "@soiree_live"
    alert = tg.sent(-100777)[0].params["text"]
    assert alert.startswith("<b>Point d’étape — Primaire</b>\nHamon : 58,70\xa0% (587 voix)")
    answer = tg.answer_to(query)
    assert answer is not None
    assert [r["title"] for r in answer.results] == ["Primaire"]
    assert tg.sent(501)[0].params["text"].startswith("Subscribed: national (en).")
    assert tg.refused(400) == []
