"""Who receives an event: the audience's race index picks what a full scan would, a chat's
most specific subscription sets its language, and the admin chats are the config's."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import display_of
from bot.audience import AdminChats, Audience, covers
from bot.config import DEFAULT_CONFIG, load
from bot.events import AnomalyDetected, Event, FirstResultsReported
from bot.models import replace
from bot.pipeline import Pipeline
from bot.store import Subscription, open_store
from tests.builders import at, feed_bytes, race

RACES = ["FE", "D075", "C075001", "C075002", "D013", "C013001"]
KEYS = [*RACES, "*", "area:075", "area:013", "area:C075"]


def scan(
    event: Event, subs: list[Subscription], *, staging: bool, admins: AdminChats
) -> list[Subscription]:
    """The selection before the index: sort every subscription for every event (an admin
    chat's config subscription last)."""
    chosen: dict[tuple[str, str], Subscription] = {}
    to_admins = event.audience == "admin" or staging
    pool = [*subs, *admins.fallbacks()] if to_admins else subs
    for sub in sorted(pool, key=lambda s: (s.race == "*", s.race != event.race.id)):
        chat = (sub.platform, sub.chat_id)
        if (chat in admins) if to_admins else covers(sub.race, event.race):
            chosen.setdefault(chat, sub)
    return list(chosen.values())


subscriptions = st.lists(
    st.builds(
        Subscription,
        platform=st.sampled_from(["telegram", "slack"]),
        chat_id=st.sampled_from(["1", "2", "3", "4"]),
        race=st.sampled_from(KEYS),
        locale=st.sampled_from(["fr", "en"]),
    ),
    max_size=25,
    unique_by=lambda s: (s.platform, s.chat_id, s.race),
)
admin_chats = st.dictionaries(
    st.tuples(st.sampled_from(["telegram", "slack"]), st.sampled_from(["1", "2", "5"])),
    st.sampled_from(["fr", "en"]),
    max_size=3,
).map(AdminChats)


@settings(max_examples=300, deadline=None)
@given(subscriptions, admin_chats, st.sampled_from(RACES), st.booleans(), st.booleans())
def test_the_index_picks_what_a_full_scan_picks(
    subs: list[Subscription], admins: AdminChats, race_id: str, admin_only: bool, staging: bool
) -> None:
    code = race_id[1:] if race_id != "FE" else None
    r = replace(race({"a": 1}, race_id=race_id), code=code)
    event: Event = (
        AnomalyDetected(key="k", race=r, at=at(0), check="sum")
        if admin_only
        else FirstResultsReported(key="k", race=r, at=at(0))
    )
    chosen = Audience(subs, staging=staging, admins=admins).of(event)
    assert chosen == scan(event, subs, staging=staging, admins=admins)


async def test_a_chats_most_specific_subscription_sets_its_language() -> None:
    store = await open_store(":memory:")
    try:
        config = load(DEFAULT_CONFIG)
        for race_key, locale in (("*", "fr"), ("national", "en")):
            await store.subscribe(
                Subscription(platform="slack", chat_id="C1", race=race_key, locale=locale)
            )
        clock = lambda: datetime.now(at(0).tzinfo)  # noqa: E731
        pipeline = Pipeline(store, config.rules, display_of(config), clock)
        outcome = await pipeline.ingest(
            "s", "canonical-json", feed_bytes(10, {"a": 60, "b": 40}, counted=50), "f"
        )
        assert outcome.status == "accepted"
        due = await store.due(at(0).replace(year=2100))
        slack = [d for d in due if d.platform == "slack"]
        assert len(slack) == 1
        assert slack[0].message.text.startswith("First results")
    finally:
        await store.close()


def anomaly(race_id: str = "FE") -> Event:
    return AnomalyDetected(key="k", race=race({"a": 1}, race_id=race_id), at=at(0), check="sum")


def test_admin_chats_come_from_the_config_whatever_they_follow() -> None:
    admins = AdminChats({("telegram", "-9"): "en", ("console", "console"): "fr"})
    follows = Subscription(platform="telegram", chat_id="-9", race="FE", locale="fr")
    other = Subscription(platform="telegram", chat_id="-1", race="*", locale="fr")
    # An admin chat that follows a race hears its anomalies in the language it chose there.
    chosen = Audience([follows, other], staging=False, admins=admins).of(anomaly())
    assert chosen == [follows, *admins.fallbacks()[:1]]
    # One that unsubscribed from everything still hears them, in its config's language.
    [console, alone] = Audience([other], staging=False, admins=admins).of(anomaly())
    assert (alone.chat_id, alone.locale, console.chat_id) == ("-9", "en", "console")
    assert ("telegram", "-9") in admins
    assert ("telegram", "-1") not in admins
    assert Audience([other], staging=False).of(anomaly()) == []  # no admin chat: nobody
