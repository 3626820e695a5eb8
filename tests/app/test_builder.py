"""The builder: every component made from the config and the options and connected, with
nothing opened; how messages read (locale, time zone, each source's credit) from the config."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.app import Options, Parts, build, display_of
from bot.config import Config, load
from bot.sources.files import FileSource, ReplaySource
from bot.sources.http import HttpSource
from tests.support import write_config

SOURCES = """
[[sources]]
id = "files"
path = "feed.json"
interval = 4

[[sources]]
id = "night"
label = "Replayed night"
replay = ["a.json", "b.json"]
interval = 10
"""


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """An HTTP source (labelled), a file source and a replay."""
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    return load(write_config(tmp_path, "http://127.0.0.1:9/feed.json", extra=SOURCES))


@pytest.fixture
def parts(config: Config, http: httpx.AsyncClient) -> Iterator[Parts]:
    made = build(config, Options(out=io.StringIO(), interactive=False, http_client=http, speed=2,
                                 env={"TELEGRAM_BOT_TOKEN": "1:x"}))  # fmt: skip
    yield made
    made.charts.close()


def test_display_is_the_configs_locale_zone_and_labels(config: Config) -> None:
    display = display_of(config)
    assert (display.locale, display.tz) == (config.locale, config.tz)
    assert display.labels == {"feed": "Test authority", "night": "Replayed night"}
    assert display.label("files") is None


def test_the_first_source_of_an_id_gives_its_label(config: Config) -> None:
    twice = dataclasses.replace(
        config, sources=(*config.sources, dataclasses.replace(config.sources[0], label="Other"))
    )
    assert display_of(twice).label("feed") == "Test authority"


def test_building_opens_nothing(parts: Parts, tmp_path: Path) -> None:
    assert parts.db == (tmp_path / "soiree.db").resolve()
    assert not parts.db.exists()  # the store is made, not opened
    assert parts.lock is not None
    assert not parts.own_http  # the test's client stays the test's
    assert not parts.jobs.scheduler.running


def test_one_poller_per_source_with_its_transport_at_one_gate(parts: Parts) -> None:
    kinds = [(p.source_id, type(p.source)) for p in parts.pollers]
    assert kinds == [("feed", HttpSource), ("files", FileSource), ("night", ReplaySource)]
    assert [p.interval for p in parts.pollers] == [0.05 / 2, 4 / 2, 10 / 2]  # sped up
    assert len({id(p.gate) for p in parts.pollers}) == 1
    assert all(p.pipeline is parts.pipeline for p in parts.pollers)


def test_the_console_runs_and_the_platforms_with_tokens_wait_to_start(parts: Parts) -> None:
    assert parts.adapters == {"console": parts.console}
    assert list(parts.platforms) == ["telegram"]


def test_only_watched_sources_have_stale_notices(parts: Parts, config: Config) -> None:
    assert parts.staleness is not None
    replays = tuple(s for s in config.sources if s.kind == "replay")
    made = build(dataclasses.replace(config, sources=replays), Options(out=io.StringIO()))
    try:
        assert made.staleness is None  # a replay just ends
        assert made.own_http
    finally:
        made.charts.close()


def test_one_instance_tells_outages_from_the_dispatcher_several_from_the_leader(
    config: Config, http: httpx.AsyncClient
) -> None:
    shared = dataclasses.replace(config, database_url="postgresql://soiree@127.0.0.1:9/night")
    for cfg, by_dispatcher in ((config, True), (shared, False)):
        made = build(cfg, Options(out=io.StringIO(), interactive=False, http_client=http))
        assert made.leadership.shared is not by_dispatcher
        assert (made.dispatcher.on_outage is not None) is by_dispatcher
        assert (made.leadership.on_unreachable is not None) is not by_dispatcher
        made.charts.close()
