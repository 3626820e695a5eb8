"""The pipeline, one feed version at a time: parsed, diffed, recorded, and queued for each
subscribed chat in its language and markup; stale, rejected and replayed versions queue
nothing; a message too long for its platform becomes several outbox rows."""

from __future__ import annotations

import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest

from bot.audience import AdminChats
from bot.display import Display
from bot.formats.limits import Limits
from bot.pipeline import Pipeline
from bot.rules import Rules
from bot.store import Delivery, Store, Subscription
from tests.builders import at, feed_bytes
from tests.formats.csvfeed.support import BREST, BREST_UTF8, ORIGIN
from tests.formats.ministry.support import fixture, undated

LATER = at(0).replace(year=2100)  # every queued row is due by then
RULES = Rules(turnout_voters=(1000,))


def pipeline_of(store: Store, **kwargs: object) -> Pipeline:
    """Return a pipeline over `store`, in French at Paris time, the source "feed" credited."""
    display = Display(locale="fr", tz=ZoneInfo("Europe/Paris"), labels={"feed": "Test authority"})
    return Pipeline(store, RULES, display, lambda: at(0), **kwargs)  # type: ignore[arg-type]


@pytest.fixture
async def subscribed(store: Store) -> Store:
    """The store with a French Telegram group and an English Slack channel on every race."""
    for platform, chat, locale in (("telegram", "-1", "fr"), ("slack", "C1", "en")):
        await store.subscribe(
            Subscription(platform=platform, chat_id=chat, race="*", locale=locale)
        )
    return store


async def due(store: Store) -> list[Delivery]:
    return await store.due(LATER, 100)


async def test_a_new_version_is_recorded_and_queued_for_each_chat_in_its_language(
    subscribed: Store,
) -> None:
    outcome = await pipeline_of(subscribed).ingest(
        "feed", "canonical-json", feed_bytes(10, {"hamon": 60, "valls": 40}, counted=50), "v1"
    )
    assert outcome.status == "accepted"
    assert [e.key for e in outcome.events] == ["national:first_results"]
    assert await subscribed.latest_version("feed") == at(10)
    rows = {d.platform: d for d in await due(subscribed)}
    assert sorted(rows) == ["slack", "telegram"]
    assert rows["telegram"].message.text.startswith("<b>Premiers résultats — Primaire</b>")
    assert rows["slack"].message.text.startswith("First results — Primaire")
    assert rows["slack"].message.blocks is not None  # Block Kit for Slack
    assert "Test authority" in rows["slack"].message.text  # the source's credit


async def test_the_same_version_again_is_unchanged_and_queues_nothing_twice(
    subscribed: Store, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline = pipeline_of(subscribed)
    raw = feed_bytes(10, {"hamon": 60, "valls": 40}, counted=50)
    await pipeline.ingest("feed", "canonical-json", raw, "v1")
    with caplog.at_level(logging.INFO, logger="bot.pipeline"):
        again = [await pipeline.ingest("feed", "canonical-json", raw, "v1") for _ in range(3)]
    assert [o.status for o in again] == ["unchanged"] * 3  # the latest's bytes: nothing new
    assert all(o.events == () for o in again)
    assert caplog.text == ""  # nothing to say of the latest version read again
    assert len(await due(subscribed)) == 2


async def test_an_older_version_again_is_a_stale_copy_told_once(
    subscribed: Store, caplog: pytest.LogCaptureFixture
) -> None:
    # Two versions of a dateless feed (Ministry files read without their index) read at
    # 20:00 and 20:05, then the first one's bytes again (a CDN's older copy, the night
    # replayed again): the 20:10 fetch time makes it no newer; it is ignored, said once.
    times = iter(at(m) for m in (0, 5, 10, 15, 20, 25))
    display = Display(locale="fr", tz=ZoneInfo("Europe/Paris"))
    pipeline = Pipeline(subscribed, RULES, display, lambda: next(times))
    first, second = (undated(fixture(f"02Acom_T2_v{n}.xml")) for n in (1, 2))
    for raw in (first, second):
        assert (await pipeline.ingest("m", "fr-interior-xml", raw, "m")).status == "accepted"
    told = len(await due(subscribed))
    with caplog.at_level(logging.INFO, logger="bot.pipeline"):
        again = [await pipeline.ingest("m", "fr-interior-xml", first, "m") for _ in range(2)]
    assert [o.status for o in again] == ["stale", "stale"]
    assert all(o.events == () for o in again)
    assert caplog.text.count("a stale copy, ignored") == 1
    assert len(await due(subscribed)) == told  # no correction, no leader change


async def test_a_version_that_cannot_be_parsed_is_rejected_and_nothing_is_stored(
    subscribed: Store,
) -> None:
    outcome = await pipeline_of(subscribed).ingest("feed", "canonical-json", b"{not json", "v1")
    assert outcome.status == "rejected"
    assert outcome.error
    assert outcome.events == ()
    assert await subscribed.latest_version("feed") is None
    assert await due(subscribed) == []


async def test_a_replay_records_the_facts_and_queues_no_message(subscribed: Store) -> None:
    pipeline = pipeline_of(subscribed, deliver=False)
    raw = feed_bytes(10, {"hamon": 60, "valls": 40}, counted=50)
    outcome = await pipeline.ingest("feed", "canonical-json", raw, "v1")
    assert [e.key for e in outcome.events] == ["national:first_results"]
    assert await due(subscribed) == []
    assert await subscribed.unseen(list(outcome.events)) == []  # known: never announced later


async def test_the_hooks_say_what_was_accepted_and_what_was_queued(store: Store) -> None:
    calls: list[str] = []
    hook: Callable[[str], Callable[[], None]] = lambda name: lambda: calls.append(name)  # noqa: E731
    pipeline = pipeline_of(store, on_enqueued=hook("enqueued"), on_accepted=hook("accepted"))
    await pipeline.ingest(
        "feed", "canonical-json", feed_bytes(10, {"a": 6, "b": 4}, counted=5), "v1"
    )
    assert calls == ["accepted"]  # nobody subscribed: nothing queued
    await store.subscribe(Subscription(platform="console", chat_id="c", race="*", locale="fr"))
    await pipeline.ingest(
        "feed", "canonical-json", feed_bytes(20, {"a": 6, "b": 4}, counted=500), "v2"
    )
    assert calls == ["accepted", "enqueued", "accepted"]


async def test_a_message_too_long_for_telegram_is_queued_as_rows_of_whole_lines(
    subscribed: Store,
) -> None:
    votes = {f"candidate{i:03d}_{'x' * 40}": 1000 - i for i in range(120)}
    await pipeline_of(subscribed).ingest(
        "feed", "canonical-json", feed_bytes(10, votes, counted=50), "v1"
    )
    rows = await due(subscribed)
    telegram = [d for d in rows if d.platform == "telegram"]
    assert len(telegram) > 1
    first = telegram[0].event_key  # past the voters milestone already: caught up
    assert [d.event_key for d in telegram] == [first] + [
        f"{first}#{i + 2}" for i in range(len(telegram) - 1)
    ]  # each part its own row: a retry never sends a part twice
    assert all(len(d.message.text) <= 4096 for d in telegram)
    joined = "\n".join(d.message.text for d in telegram)
    assert all(f"Candidate{i:03d}" in joined for i in range(120))
    assert [d.event_key for d in rows if d.platform == "slack"] == [first]


async def test_an_anomaly_is_logged_and_goes_to_admin_chats_only(
    subscribed: Store, caplog: pytest.LogCaptureFixture
) -> None:
    admins = AdminChats({("telegram", "-9"): "en"})  # the config's, following nothing
    raw = feed_bytes(10, {"hamon": 60, "valls": 40}, counted=50, voters=90)  # votes > voters
    with caplog.at_level(logging.WARNING, logger="bot.pipeline"):
        pipeline = pipeline_of(subscribed, admins=admins)
        outcome = await pipeline.ingest("feed", "canonical-json", raw, "v1")
    assert [e.kind for e in outcome.events] == ["anomaly"]
    assert "anomaly votes_vs_voters in race national" in caplog.text
    assert [d.chat_id for d in await due(subscribed)] == ["-9"]


async def test_a_format_without_a_data_time_is_dated_by_the_pipelines_clock(store: Store) -> None:
    outcome = await pipeline_of(store).ingest("feed", "csv", BREST_UTF8, ORIGIN, BREST)
    assert outcome.status == "accepted"
    assert outcome.snapshot is not None
    assert outcome.snapshot.updated_at == at(0)


async def test_a_data_time_far_ahead_is_rejected_and_the_last_good_version_serves(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline = pipeline_of(store)
    await pipeline.ingest(
        "feed", "canonical-json", feed_bytes(10, {"a": 6, "b": 4}, counted=5), "v1"
    )
    ahead = feed_bytes(10, {"a": 60, "b": 40}, counted=50).replace(b"2017-01-29", b"2017-01-31")
    with caplog.at_level(logging.ERROR, logger="bot.pipeline"):
        outcome = await pipeline.ingest("feed", "canonical-json", ahead, "v2")
    assert outcome.status == "rejected"
    assert outcome.error is not None
    assert outcome.error.startswith("v2: updated_at = '2017-01-31T19:40:00+01:00': more than")
    assert "rejected feed version" in caplog.text
    assert await store.latest_version("feed") == at(10)
    tight = await pipeline_of(store).ingest(
        "feed", "canonical-json", feed_bytes(20, {"a": 6, "b": 4}, counted=9), "v3",
        limits=Limits(max_future=60),  # 20 minutes past the clock: refused
    )  # fmt: skip
    assert tight.status == "rejected"


async def test_a_version_set_aside_is_kept_the_admins_told_once_and_never_processed_again(
    subscribed: Store,
) -> None:
    admins = AdminChats({("telegram", "-9"): "en"})
    pipeline = pipeline_of(subscribed, admins=admins)
    raw = feed_bytes(10, {"hamon": 60, "valls": 40}, counted=50)
    error = "processing a new version failed: IntegrityError: at http://u:S3cret@h/f.json"
    assert await pipeline.set_aside("feed", raw, "v1", error, 3)
    assert not await pipeline.set_aside("feed", raw, "v1", error, 3)  # once, even so
    rows = await due(subscribed)
    assert [d.chat_id for d in rows] == ["-9"]  # the admin chat only
    assert rows[0].message.text.startswith("⚠ Source feed: a version could not be processed")
    assert "S3cret" not in rows[0].message.text  # a URL's secret is never shown
    outcome = await pipeline.ingest("feed", "canonical-json", raw, "v1")  # read again
    assert outcome.status == "rejected"
    assert outcome.error is not None
    assert "IntegrityError" in outcome.error
    assert await subscribed.latest_version("feed") is None  # not processed again


async def test_a_source_behind_another_tells_nothing_and_one_that_disagrees_tells_the_admins(
    subscribed: Store, caplog: pytest.LogCaptureFixture
) -> None:
    admins = AdminChats({("telegram", "-9"): "en"})
    pipeline = pipeline_of(subscribed, admins=admins)
    a = feed_bytes(90, {"hamon": 3050, "valls": 1950}, counted=300)
    await pipeline.ingest("a", "canonical-json", a, "a.json")
    queued = len(await due(subscribed))
    behind = feed_bytes(30, {"hamon": 400, "valls": 600}, counted=100)  # Valls leads at 20:00
    outcome = await pipeline.ingest("b", "canonical-json", behind, "b.json")
    assert outcome.status == "accepted"
    assert outcome.events == ()  # nothing of it told: the night does not go back
    served = await subscribed.latest_race("national")
    assert served is not None
    assert (served.source, served.updated_at) == ("a", at(90))
    same_time = feed_bytes(90, {"hamon": 3000, "valls": 2000}, counted=300)
    with caplog.at_level(logging.WARNING, logger="bot.pipeline"):
        outcome = await pipeline.ingest("b", "canonical-json", same_time, "b.json")
    assert [e.kind for e in outcome.events] == ["sources_disagree"]
    assert "sources b and a disagree on race national" in caplog.text
    rows = (await due(subscribed))[queued:]
    assert [d.chat_id for d in rows] == ["-9"]  # the admin chat only
    assert rows[0].message.text.startswith("<b>⚠ Two sources disagree — Primaire</b>")
    assert "b and a give different figures for the same data time (21:00)" in rows[0].message.text
    served = await subscribed.latest_race("national")
    assert served is not None
    assert served.source == "a"
