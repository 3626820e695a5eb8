"""Who receives an event: the audience's race index picks what a full scan would, and a
chat's most specific subscription sets its language."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import display_of
from bot.audience import Audience, covers
from bot.config import DEFAULT_CONFIG, load
from bot.events import AnomalyDetected, Event, FirstResultsReported
from bot.pipeline import Pipeline
from bot.store import Subscription, open_store
from tests.builders import at, feed_bytes, race

RACES = ["FE", "D075", "C075001", "C075002", "D013", "C013001"]
KEYS = [*RACES, "*", "area:075", "area:013", "area:C075"]


def scan(event: Event, subs: list[Subscription], *, staging: bool) -> list[Subscription]:
    """The selection before the index: sort every subscription for every event."""
    chosen: dict[tuple[str, str], Subscription] = {}
    for sub in sorted(subs, key=lambda s: (s.race == "*", s.race != event.race.id)):
        wanted = sub.admin if event.audience == "admin" or staging else covers(sub.race, event.race)
        if wanted:
            chosen.setdefault((sub.platform, sub.chat_id), sub)
    return list(chosen.values())


subscriptions = st.lists(
    st.builds(
        Subscription,
        platform=st.sampled_from(["telegram", "slack"]),
        chat_id=st.sampled_from(["1", "2", "3", "4"]),
        race=st.sampled_from(KEYS),
        locale=st.sampled_from(["fr", "en"]),
        admin=st.booleans(),
    ),
    max_size=25,
    unique_by=lambda s: (s.platform, s.chat_id, s.race),
)


@settings(max_examples=300, deadline=None)
@given(subscriptions, st.sampled_from(RACES), st.booleans(), st.booleans())
def test_the_index_picks_what_a_full_scan_picks(
    subs: list[Subscription], race_id: str, admin_only: bool, staging: bool
) -> None:
    code = race_id[1:] if race_id != "FE" else None
    r = replace(race({"a": 1}, race_id=race_id), code=code)
    event: Event = (
        AnomalyDetected(key="k", race=r, at=at(0), check="sum")
        if admin_only
        else FirstResultsReported(key="k", race=r, at=at(0))
    )
    assert Audience(subs, staging=staging).of(event) == scan(event, subs, staging=staging)


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
