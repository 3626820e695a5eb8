"""Charts through the running app: /results and alerts as Telegram photos and Slack uploads,
against the fakes with their real limits (caption 1,024, photo size, upload v2 steps)."""

from __future__ import annotations

import gc
import json
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import heap
from bot.app import display_of
from bot.charts import MAX_PER_VERSION, Charts
from bot.config import load
from bot.pipeline import Pipeline
from bot.store import Store, Subscription, open_store
from tests.builders import at, feed_doc, race
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import FakeTelegram
from tests.support import BothNight as Night
from tests.support import post, signed, slash, wait_for, write_config

PNG = b"\x89PNG\r\n\x1a\n"
GROUP, CHANNEL, OWNER = -3001, "C301", 42


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeTelegram, FakeSlack]]:
    tg, slack = FakeTelegram(scale=10), FakeSlack(scale=10)
    await tg.start()
    await slack.start()
    tg.owners.add((GROUP, OWNER))
    yield tg, slack
    await tg.stop()
    await slack.stop()


def subscribed() -> str:
    return (
        f'\n[[chats]]\nplatform = "telegram"\nid = {GROUP}\nlocale = "fr"\n'
        f'\n[[chats]]\nplatform = "slack"\nid = "{CHANNEL}"\nlocale = "en"\n'
    )


async def counted(night: Night, n: int) -> bool:
    stored = await night.app.store.latest_race("national")
    return stored is not None and stored.race.units.counted == n


async def test_results_in_telegram_is_a_photo_with_an_html_caption(tmp_path: Path, fakes):
    tg, slack = fakes
    async with Night(tmp_path, tg, slack) as night:
        night.publish(10, {"hamon": 587, "valls": 413}, counted=600)
        await wait_for(lambda: counted(night, 600), what="the figures")
        tg.push_command("/results", chat_id=GROUP, language="fr")
        await wait_for(lambda: tg.answered("sendphoto", GROUP), what="the photo")
    call = tg.answered("sendphoto", GROUP)[0]
    assert call.params["photo"].startswith(PNG)
    assert call.params["parse_mode"] == "HTML"
    caption = call.params["caption"]
    assert caption.startswith("<b>Primaire</b>\nHamon : 58,70\xa0% (587 voix)")
    assert len(caption) <= 1024
    assert not tg.sent(GROUP)  # the photo is the whole answer


async def test_reporting_and_final_alerts_carry_the_chart_on_both_platforms(tmp_path, fakes):
    tg, slack = fakes
    async with Night(tmp_path, tg, slack, extra=subscribed()) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: tg.sent(GROUP) and slack.posted(CHANNEL), what="first results")
        night.publish(20, {"hamon": 590, "valls": 410}, counted=300)
        await wait_for(lambda: tg.answered("sendphoto", GROUP), what="the 25 % photo")
        await wait_for(lambda: slack.pictured(CHANNEL), what="the 25 % chart")
        night.publish(30, {"hamon": 5865, "valls": 4135}, counted=1000, final=True)
        await wait_for(lambda: len(tg.answered("sendphoto", GROUP)) == 2, what="final photo")
        await wait_for(lambda: len(slack.pictured(CHANNEL)) == 2, what="the final chart")
        db = night.config.db
    # First results are text; the 25 % step and the final result come with their chart.
    assert tg.sent(GROUP)[0].params["text"].startswith("<b>Premiers résultats — Primaire</b>")
    captions = [c.params["caption"].split("\n")[0] for c in tg.answered("sendphoto", GROUP)]
    assert captions[0] == "<b>25\xa0% des bureaux dépouillés — Primaire</b>"
    assert "Résultat définitif — Primaire" in tg.answered("sendphoto", GROUP)[1].params["caption"]
    (step, first), (_, final) = slack.pictured(CHANNEL)
    assert first.data.startswith(PNG)
    assert final.data.startswith(PNG)
    assert first.data != final.data  # each shows its own figures
    # The alert keeps its Block Kit layout, the chart an image block at its end.
    blocks = step.params["blocks"]
    assert blocks[0]["text"]["text"] == "*25% of polling stations counted — Primaire*"
    assert blocks[-1]["alt_text"] == "Results chart — Primaire: Hamon 59.00%, Valls 41.00%"
    assert step.params["text"].startswith("25% of polling stations counted — Primaire")
    assert first.filename == "soiree-results.png"
    assert slack.shared() == []  # uploaded, never shared as a file of its own
    # The outbox keeps the chart's key, the store its bytes once.
    with sqlite3.connect(db) as con:
        images = con.execute("SELECT count(*) FROM images").fetchone()[0]
        biggest = con.execute("SELECT max(length(payload)) FROM outbox").fetchone()[0]
    assert images == 4  # two versions × two locales
    assert biggest < 4000


async def test_charts_can_be_turned_off_per_chat_by_its_admins(tmp_path, fakes):
    tg, slack = fakes
    async with Night(tmp_path, tg, slack) as night:
        night.publish(10, {"hamon": 587, "valls": 413}, counted=600)
        await wait_for(lambda: counted(night, 600), what="the figures")
        tg.push_command("/charts off", chat_id=GROUP, user_id=7, language="en")
        await wait_for(lambda: tg.sent(GROUP), what="the refusal")
        tg.push_command("/charts off", chat_id=GROUP, user_id=OWNER, language="en")
        await wait_for(lambda: len(tg.sent(GROUP)) == 2, what="the confirmation")
        tg.push_command("/results", chat_id=GROUP, language="en")
        await wait_for(lambda: len(tg.sent(GROUP)) == 3, what="the results")
        tg.push_command("/charts results", chat_id=GROUP, user_id=OWNER, language="en")
        tg.push_command("/results", chat_id=GROUP, language="en")
        await wait_for(lambda: tg.answered("sendphoto", GROUP), what="the chart again")
    texts = [c.params["text"] for c in tg.sent(GROUP)]
    assert texts[0] == "Only the group's administrators can choose the charts."
    assert texts[1] == "Charts in this chat: none."
    assert texts[2].startswith("<b>Primaire</b>")
    assert texts[3] == "Charts in this chat: /results."


async def test_one_snapshot_is_drawn_once_however_many_ask(tmp_path, fakes):
    tg, slack = fakes
    async with Night(tmp_path, tg, slack) as night:
        night.publish(10, {"hamon": 587, "valls": 413}, counted=600)
        await wait_for(lambda: counted(night, 600), what="the figures")
        for chat in (GROUP, -3002, -3003):
            tg.push_command("/results", chat_id=chat, language="fr")
        await wait_for(lambda: len(tg.answered("sendphoto")) == 3, what="three photos")
        drawn = night.app.charts.drawn
    photos = {c.params["photo"] for c in tg.answered("sendphoto")}
    assert len(photos) == 1
    assert drawn == 1


async def test_a_caption_too_long_for_a_photo_goes_on_as_text(tmp_path, fakes):
    tg, slack = fakes
    votes = {f"candidat_{i:02d}_{'x' * 60}": 1000 + i for i in range(20)}
    async with Night(tmp_path, tg, slack) as night:
        night.publish(10, votes, counted=600)
        await wait_for(lambda: counted(night, 600), what="the figures")
        tg.push_command("/results", chat_id=GROUP, language="fr")
        await wait_for(lambda: tg.sent(GROUP), what="the rest of the caption")
    caption = tg.answered("sendphoto", GROUP)[0].params["caption"]
    rest = tg.sent(GROUP)[0].params["text"]
    assert len(caption) <= 1024 < len(caption) + len(rest)
    both = caption + "\n" + rest
    assert all(name.capitalize() in both for name in votes)
    assert rest.startswith("Candidat_") or rest.startswith("<i>")  # whole lines, never cut


async def test_slack_public_results_upload_the_chart_and_ephemeral_ones_do_not(tmp_path, fakes):
    tg, slack = fakes
    async with Night(tmp_path, tg, slack) as night:
        night.publish(10, {"hamon": 587, "valls": 413}, counted=600)
        await wait_for(lambda: counted(night, 600), what="the figures")
        body, headers = signed(slash(slack, "/results", "", channel=CHANNEL))
        assert (await post(night.events_url, body, headers)).status_code == 200
        await wait_for(lambda: slack.responses, what="the ephemeral answer")
        body, headers = signed(slash(slack, "/results", "public", channel=CHANNEL))
        assert (await post(night.events_url, body, headers)).status_code == 200
        await wait_for(lambda: slack.pictured(CHANNEL), what="the answer with its chart")
    assert slack.responses[0][1]["response_type"] == "ephemeral"
    assert len(slack.responses) == 1  # the public answer is the message with its chart
    [(answer, upload)] = slack.pictured(CHANNEL)
    assert upload.data.startswith(PNG)
    assert "Hamon  58.70%  587" in answer.params["blocks"][1]["text"]["text"]


@pytest.fixture
async def charted(tmp_path: Path) -> AsyncIterator[tuple[Store, Pipeline, Charts]]:
    """A pipeline with charts on, and one Telegram chat that follows every race."""
    config = load(write_config(tmp_path, "file:feed.json", charts=""))
    store = await open_store(":memory:")
    charts = Charts(config.charts, config.tz, config.chats)
    await store.subscribe(Subscription(platform="telegram", chat_id="1", race="*", locale="fr"))
    try:
        pipeline = Pipeline(store, config.rules, display_of(config), lambda: at(0), charts=charts)
        yield store, pipeline, charts
    finally:
        charts.close()
        await store.close()


async def test_a_version_draws_a_bounded_number_of_charts(charted) -> None:
    """Fifteen communes crossing a step at once: twelve charts, then text, never a stall."""
    store, pipeline, charts = charted
    races = [feed_doc(10, {"a": 60, "b": 40}, counted=600, race_id=f"c{i:02d}")["races"][0]
             for i in range(MAX_PER_VERSION + 3)]  # fmt: skip
    first = {**feed_doc(5, {}, counted=0), "races": [{**r, "units": {"counted": 1,
             "total": 1000}} for r in races]}  # fmt: skip
    second = {**feed_doc(10, {}, counted=0), "races": races}
    await pipeline.ingest("feed", "canonical-json", json.dumps(first).encode(), "v1")
    outcome = await pipeline.ingest("feed", "canonical-json", json.dumps(second).encode(), "v2")
    due = await store.due(at(1), 100)
    steps = [d for d in due if ":reporting:" in d.event_key]
    assert len(steps) == MAX_PER_VERSION + 3 == len(outcome.events)
    assert sum(d.message.image is not None for d in steps) == MAX_PER_VERSION
    assert charts.drawn == MAX_PER_VERSION


async def test_a_group_that_takes_no_photos_gets_the_text(tmp_path, fakes):
    tg, slack = fakes
    tg.no_media.add(GROUP)
    async with Night(tmp_path, tg, slack, extra=subscribed()) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: tg.sent(GROUP), what="first results")
        night.publish(20, {"hamon": 177, "valls": 123}, counted=300)  # no voters milestone
        await wait_for(lambda: len(tg.sent(GROUP)) == 2, what="the 25 % step, as text")
        tg.push_command("/results", chat_id=GROUP, language="fr")
        await wait_for(lambda: len(tg.sent(GROUP)) == 3, what="/results, as text")
    assert [c.status for c in tg.calls if c.method == "sendphoto"] == [400, 400]
    step, results = tg.sent(GROUP)[1:]
    assert step.params["text"].startswith("<b>25\xa0% des bureaux dépouillés — Primaire</b>")
    assert results.params["text"].startswith("<b>Primaire</b>")


async def test_a_workspace_without_file_uploads_gets_the_message(tmp_path, fakes):
    tg, slack = fakes
    async with Night(tmp_path, tg, slack, extra=subscribed()) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: slack.posted(CHANNEL), what="first results")
        slack.fail_next("files.completeUploadExternal", error="file_uploads_disabled")
        night.publish(20, {"hamon": 590, "valls": 410}, counted=300)
        await wait_for(lambda: len(slack.posted(CHANNEL)) == 2, what="the step as a message")
    assert slack.shared(CHANNEL) == []
    assert slack.posted(CHANNEL)[1].params["text"].startswith("25% of polling stations counted")


async def test_a_chart_slack_has_not_processed_yet_is_shown_on_the_next_try(tmp_path, fakes):
    # Right after an upload, Slack may refuse the image block ("invalid slack file"): the
    # alert is tried again with the same file, never uploaded or posted twice.
    tg, slack = fakes
    async with Night(tmp_path, tg, slack, extra=subscribed()) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: slack.posted(CHANNEL), what="first results")
        slack.processing = 1
        night.publish(20, {"hamon": 590, "valls": 410}, counted=300)
        await wait_for(lambda: slack.pictured(CHANNEL), patience=20, what="the 25 % chart")
    posts = [c for c in slack.calls if c.method == "chat.postMessage" and len(
        c.params.get("blocks") or []) and "25%" in str(c.params.get("text"))]  # fmt: skip
    assert [c.error for c in posts] == ["invalid_blocks", None]
    assert len(slack.uploads) == 1  # one upload for both tries
    assert len(slack.posted(CHANNEL)) == 2  # first results, then the step once


async def test_a_chart_slack_never_takes_costs_the_chart_not_the_alert(tmp_path, fakes):
    tg, slack = fakes
    async with Night(tmp_path, tg, slack, extra=subscribed()) as night:
        night.publish(10, {"hamon": 60, "valls": 40}, counted=50)
        await wait_for(lambda: slack.posted(CHANNEL), what="first results")
        slack.processing = 100
        night.publish(20, {"hamon": 590, "valls": 410}, counted=300)
        await wait_for(lambda: len(slack.posted(CHANNEL)) == 2, patience=30, what="the step")
    assert slack.pictured(CHANNEL) == []
    step = slack.posted(CHANNEL)[1].params
    assert step["text"].startswith("25% of polling stations counted")
    refused = [c for c in slack.calls if c.method == "chat.postMessage" and c.error]
    assert len(refused) == 3  # NOT_READY_TRIES, then the message without its picture


async def test_a_chart_that_fails_to_draw_costs_the_chart_not_the_answer(
    tmp_path, fakes, monkeypatch: pytest.MonkeyPatch
):
    def broken(*args: object) -> bytes:
        raise RuntimeError("the font cache is corrupt")

    monkeypatch.setattr("bot.charts.render_png", broken)  # a failure, never a faked success
    tg, slack = fakes
    async with Night(tmp_path, tg, slack) as night:
        night.publish(10, {"hamon": 587, "valls": 413}, counted=600)
        await wait_for(lambda: counted(night, 600), what="the figures")
        tg.push_command("/results", chat_id=GROUP, language="fr")
        await wait_for(lambda: tg.sent(GROUP), what="the answer")
    assert tg.answered("sendphoto") == []
    assert tg.sent(GROUP)[0].params["text"].startswith("<b>Primaire</b>")


async def test_a_long_alert_is_a_captioned_photo_row_then_text_rows(charted) -> None:
    """Each part its own outbox row: a retry of the text never sends the photo again."""
    store, pipeline, __ = charted
    votes = {f"candidat_{i:02d}_{'x' * 60}": 1000 + i for i in range(20)}
    for minutes, n in ((5, 50), (10, 300)):
        raw = json.dumps(feed_doc(minutes, votes, counted=n)).encode()
        await pipeline.ingest("feed", "canonical-json", raw, f"v{minutes}")
    rows = [d for d in await store.due(at(1), 100) if ":reporting:" in d.event_key]
    photo, *texts = rows
    assert photo.message.image is not None
    assert len(photo.message.text) <= 1024
    assert texts
    assert all(t.message.image is None for t in texts)
    assert [r.event_key for r in rows] == ["national:reporting:25"] + [
        f"national:reporting:25#{i + 2}" for i in range(len(texts))
    ]
    joined = "\n".join(r.message.text for r in rows)
    assert all(name.capitalize() in joined for name in votes)


async def test_a_drawing_leaves_no_canvas_and_trims_in_the_chart_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chart's canvas is megabytes (P4): freed once its PNG is made, and malloc's free
    pages then given back in the chart thread, after the drawing is in hand (not on the
    alert's path, P1)."""
    from PIL import Image as Canvas

    trims: list[str] = []
    monkeypatch.setattr(heap, "_TRIM", lambda _: trims.append(threading.current_thread().name))
    config = load(write_config(tmp_path, "file:feed.json", charts=""))
    charts = Charts(config.charts, config.tz, config.chats)
    await charts.warm()  # loaded, its chart nobody sees drawn
    try:
        for n in range(3):
            drawn = await charts.image(race({"a": 60 + n, "b": 40}, counted=600), at(n), "fr")
            assert drawn is not None
        await charts.warm()  # the thread's next job: the trims before it are done
        assert len(trims) == 3
        assert all(name.startswith("chart") for name in trims)
        assert [o for o in gc.get_objects() if isinstance(o, Canvas.Image)] == []
    finally:
        charts.close()
