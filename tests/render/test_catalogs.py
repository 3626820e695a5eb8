"""The fr and en catalogs agree, and every key the renderer asks for exists."""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.commands import help_text, menu
from bot.diff import advance, diff, diff_race
from bot.events import (
    EVENT_KINDS,
    AnomalyDetected,
    CandidateThresholdCrossed,
    CaughtUp,
    Change,
    Event,
    FirstResultsReported,
    LeaderChanged,
    ReportingThresholdCrossed,
    ResultCorrected,
    ResultDeclaredFinal,
    TurnoutThresholdCrossed,
)
from bot.formats.canonical import parse
from bot.models import Candidate, Race, Turnout, Units, with_computed_shares
from bot.render import chart, en, fr, text
from bot.render.text import LOCALES, Renderer, Style
from bot.rules import Rules
from tests.builders import race

PARIS = ZoneInfo("Europe/Paris")
AT = datetime(2017, 1, 29, 20, 10, tzinfo=UTC)  # 21:10 in Paris
DEMO_FEEDS = sorted((Path(__file__).resolve().parents[2] / "config" / "demo").glob("*.json"))


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


# --- the catalogs agree -------------------------------------------------------------------


def test_locales_are_fr_and_en() -> None:
    assert set(LOCALES) == {"fr", "en"}
    assert text.CATALOGS == {"fr": fr.CATALOG, "en": en.CATALOG}


def test_catalogs_have_the_same_keys() -> None:
    only_fr = sorted(set(fr.CATALOG) - set(en.CATALOG))
    only_en = sorted(set(en.CATALOG) - set(fr.CATALOG))
    assert (only_fr, only_en) == ([], [])


@pytest.mark.parametrize("key", sorted(fr.CATALOG))
def test_each_key_has_the_same_placeholders(key: str) -> None:
    assert placeholders(fr.CATALOG[key]) == placeholders(en.CATALOG[key])


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_are_named_and_plain(locale: str) -> None:
    catalog = text.CATALOGS[locale]
    for key, template in catalog.items():
        for _, name, spec, conversion in string.Formatter().parse(template):
            if name is None:
                continue
            assert name.isidentifier(), (key, name)
            assert not spec, (key, name)
            assert conversion is None, (key, name)
        assert template.strip() == template, key
        assert template, key


# --- every event renders ------------------------------------------------------------------


def _race() -> Race:
    return race(
        {"hamon": 650_000, "valls": 470_180},
        counted=4100,
        total=7370,
        voters=1_140_000,
        registered=2_000_000,
        name="Primaire",
    )


def _anomaly_races() -> Iterator[tuple[Race | None, Race]]:
    """Yield (before, race) pairs that each fail one arithmetic check."""
    yield None, race({"a": 60, "b": 40}, valid=90)  # votes_vs_valid
    yield None, race({"a": 60, "b": 40}, voters=90)  # votes_vs_voters
    yield None, race({"a": 60, "b": 40}, voters=120, registered=100)  # voters_vs_registered
    yield (
        None,
        with_computed_shares(
            Race(
                id="national",
                name="Primaire",
                units=Units(counted=10, total=100),
                turnout=Turnout(voters=110, valid=100, blank=3, null=2),
                candidates=(
                    Candidate(id="a", name="A", votes=60),
                    Candidate(id="b", name="B", votes=40),
                ),
            )
        ),
    )  # ballots_vs_voters
    yield (
        None,
        with_computed_shares(
            Race(
                id="national",
                name="Primaire",
                units=Units(counted=10, total=100),
                candidates=(
                    Candidate(id="a", name="Alice", votes=60, published_share=55.0),
                    Candidate(id="b", name="Bob", votes=40, published_share=40.0),
                ),
            )
        ),
    )  # published_share:a
    yield None, race(shares={"a": 50.0, "b": 40.0})  # share_sum
    yield (
        None,
        with_computed_shares(
            Race(
                id="national",
                name="Primaire",
                units=Units(counted=10, total=100),
                candidates=(
                    Candidate(id="a", name="A", votes=60),
                    Candidate(id="b", name="B", published_share=40.0),
                ),
            )
        ),
    )  # partial_votes
    yield (
        race({"a": 600, "b": 400}, counted=100),
        race({"a": 1200, "b": 800}, counted=200),
    )  # republication


def anomaly_events() -> list[AnomalyDetected]:
    events = []
    for before, after in _anomaly_races():
        found = diff_race(before, after, Rules(), AT)
        assert found, (before, after)
        assert all(isinstance(e, AnomalyDetected) for e in found)
        events.extend(e for e in found if isinstance(e, AnomalyDetected))
    return events


def all_events() -> list[Event]:
    """Return at least one event of every kind, in every variant the renderer distinguishes."""
    r = _race()
    hamon, valls = r.candidates
    complete = race({"hamon": 1, "valls": 2}, counted=7370, total=7370, voters=3)
    final = race({"hamon": 1, "valls": 2}, counted=7370, total=7370, voters=3, final=True)
    return [
        FirstResultsReported(key="national:first_results", race=r, at=AT),
        ReportingThresholdCrossed(key="national:reporting:50", race=r, at=AT, step=50, pct=55.6),
        CandidateThresholdCrossed(
            key="national:candidate:hamon:50", race=r, at=AT, candidate=hamon, level=50.0
        ),
        CandidateThresholdCrossed(
            key="national:candidate:hamon:57.5", race=r, at=AT, candidate=hamon, level=57.5
        ),
        LeaderChanged(key="national:leader:valls", race=r, at=AT, leader=valls, previous=hamon),
        TurnoutThresholdCrossed(
            key="national:turnout:voters:1000000",
            race=r,
            at=AT,
            metric="voters",
            threshold=1_000_000,
            value=1_140_000,
        ),
        TurnoutThresholdCrossed(
            key="national:turnout:participation:50",
            race=r,
            at=AT,
            metric="participation",
            threshold=50.0,
            value=57.0,
        ),
        TurnoutThresholdCrossed(
            key="national:turnout:previous_round",
            race=r,
            at=AT,
            metric="previous_round",
            threshold=1_100_000,
            value=1_140_000,
        ),
        ResultCorrected(
            key="national:correction:candidate:hamon:50",
            race=r,
            at=AT,
            candidate=hamon,
            level=50.0,
            retracts="national:candidate:hamon:50",
        ),
        ResultCorrected(
            key="national:correction:figures",
            race=r,
            at=AT,
            changes=(
                Change(field="units", subject="national", before=4200, after=4100),
                Change(field="voters", subject="national", before=1_150_000, after=1_140_000),
                Change(field="votes", subject="Benoît Hamon", before=651_000, after=650_000),
            ),
        ),
        *anomaly_events(),
        ResultDeclaredFinal(key="national:final", race=final, at=AT),
        ResultDeclaredFinal(key="national:final", race=complete, at=AT),
        CaughtUp(key="national:caught_up", race=r, at=AT, covers=("national:reporting:50",)),
        CaughtUp(key="national:caught_up", race=final, at=AT, covers=("national:final",)),
    ]


def demo_night_events() -> list[Event]:
    """Return the events the diff finds replaying the demo night."""
    rules = Rules(
        turnout_voters=(1_000_000, 2_000_000),
        previous_round_voters=(("national", 1_660_000),),
    )
    baseline, events = None, []
    for path in DEMO_FEEDS:
        snapshot = parse(path.read_bytes(), str(path))
        found = diff(baseline, snapshot, rules, snapshot.updated_at)
        baseline = advance(baseline, snapshot, found)
        events.extend(found)
    return events


def test_all_events_cover_every_kind() -> None:
    assert {type(e) for e in all_events()} == set(EVENT_KINDS)


def test_anomaly_events_cover_every_check() -> None:
    checks = {e.check.partition(":")[0] for e in anomaly_events()}
    anomaly_keys = {k.removeprefix("anomaly.") for k in fr.CATALOG if k.startswith("anomaly.")}
    assert checks == anomaly_keys


class RecordingCatalog(dict[str, str]):
    """A catalog that remembers which keys were looked up."""

    def __init__(self, data: dict[str, str], used: set[str]) -> None:
        super().__init__(data)
        self.used = used

    def __getitem__(self, key: str) -> str:
        self.used.add(key)
        return super().__getitem__(key)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("markup", ["plain", "html"])
def test_every_event_renders_in_both_locales(
    locale: str, markup: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    used: set[str] = set()
    monkeypatch.setitem(text.CATALOGS, locale, RecordingCatalog(text.CATALOGS[locale], used))
    renderer = Renderer(Style(locale=locale, tz=PARIS, markup=markup, source="Ministère"))
    for event in all_events():
        message = renderer.event(event, previous_round=1_100_000)
        assert message.text.strip(), event
        assert "{" not in message.text, message.text
        assert "}" not in message.text, message.text
        assert "21:10" in message.text, message.text
    # The headlines, lines and anomaly texts of the catalog are all reachable from events.
    renderer.results(_race(), AT, flagged=True)
    renderer.turnout(race(shares={"a": 100.0}), AT, None)
    renderer.footer(race({"a": 1}, total=None), AT)
    for units in (
        Units(counted=3, total=6, kind="communes"),
        Units(counted=3, total=None, kind="communes"),
        Units(counted=6250, total=10000, kind="percent"),
    ):
        renderer.footer(dataclasses.replace(_race(), units=units), AT)
    renderer.notice(
        "notice.stale", source="s", since="20:00", minutes=12, reason=renderer.t("notice.unchanged")
    )
    renderer.notice("notice.recovered", source="s", time="20:12")
    renderer.notice("notice.announcement", text="Rendez-vous à 22 h")
    renderer.turnout(_race(), AT, previous_round=None)
    renderer.turnout(race({"a": 1}, voters=5, registered=None), AT, previous_round=None)
    renderer.live(_race(), AT, "10")
    help_text(renderer)  # the command texts, reached through the command table
    menu(locale)
    for kind in ("results", "reporting_threshold", "final"):
        renderer.t(f"kind.{kind}")
    many = race({f"c{i}": 100 - i for i in range(chart.MAX_BARS + 2)})
    chart_style = chart.ChartStyle(locale=locale, tz=PARIS)
    assert chart.layout(many, AT, chart_style).bars[-1].label.startswith("3")
    chart.alt_text(many, chart_style)
    event_keys = {
        k for k in text.CATALOGS[locale] if not k.startswith("reply.") or k == "reply.no_data"
    }
    assert event_keys - used == set()


@pytest.mark.parametrize("locale", LOCALES)
def test_demo_night_events_render(locale: str) -> None:
    events = demo_night_events()
    kinds = {e.kind for e in events}
    assert {"first_results", "reporting_threshold", "anomaly", "final", "correction"} <= kinds
    renderer = Renderer(Style(locale=locale, tz=PARIS, markup="html"))
    for event in events:
        message = renderer.event(event, previous_round=1_660_000)
        assert event.race.name in message.text
        assert renderer.time(event.at) in message.text


def test_fr_and_en_messages_differ() -> None:
    event = all_events()[0]
    fr_text = Renderer(Style(locale="fr", tz=PARIS)).event(event).text
    en_text = Renderer(Style(locale="en", tz=PARIS)).event(event).text
    assert fr_text.startswith("Premiers résultats — Primaire")
    assert en_text.startswith("First results — Primaire")
