"""The fr and en catalogs agree, and every key the renderer asks for exists."""

from __future__ import annotations

import string
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.commands import help_text, menu
from bot.diff import advance, diff
from bot.events import EVENT_KINDS, Event
from bot.formats.canonical import parse
from bot.models import PreviousRound, Turnout, Units, replace
from bot.render import chart, en, fr, text
from bot.render.text import LOCALES, Renderer, Style
from bot.rules import Rules
from tests.builders import EVENTS_AT, all_events, anomaly_events, race, sample_race

PARIS = ZoneInfo("Europe/Paris")
AT = EVENTS_AT  # 21:10 in Paris, the data time of every sample event
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
    renderer.results(sample_race(), AT, flagged=True)
    renderer.turnout(race(shares={"a": 100.0}), AT, None)
    renderer.footer(race({"a": 1}, total=None), AT)
    renderer.footer(replace(sample_race(), dated=False), AT)  # "received at"
    for kind in ("stations", "communes", "precincts", "counties"):
        for counted, total in ((1, 1), (3, 6), (0, 2), (1, None), (3, None)):
            units = Units(counted=counted, total=total, kind=kind)
            renderer.footer(replace(sample_race(), units=units), AT)
    for units in (Units(counted=6250, total=10000, kind="percent"), Units(counted=0, kind="none")):
        renderer.footer(replace(sample_race(), units=units), AT)
    renderer.notice(
        "notice.stale", source="s", since="20:00", minutes=12, reason=renderer.t("notice.unchanged")
    )
    renderer.notice("notice.recovered", source="s", time="20:12")
    renderer.notice("notice.announcement", text="Rendez-vous à 22 h")
    renderer.notice("notice.store_down", error="database or disk is full")
    renderer.notice("notice.store_back")
    renderer.notice("notice.store_unreachable", began="20:05:12", ended="20:06:40", lasted="88 s")
    renderer.notice("notice.set_aside", source="s", attempts=3, error="IntegrityError: x")
    renderer.turnout(sample_race(), AT, previous_round=None)
    renderer.turnout(race({"a": 1}, voters=5, registered=None), AT, previous_round=None)
    blank = Turnout(registered=100, undervotes=12, overvotes=None)  # a contest electing two
    renderer.turnout(replace(sample_race(), turnout=blank), AT, previous_round=None)
    renderer.live(sample_race(), AT, "10")
    # Figures held back, pro rata in every unit, the same places with points and changes.
    renderer.results(replace(sample_race(), doubts=("shares", "turnout")), AT)
    renderer.turnout(replace(sample_race(), doubts=("turnout",)), AT, None)
    for kind in ("stations", "communes", "precincts", "counties", "percent"):
        units = Units(counted=6250, total=10000, kind=kind)
        renderer.turnout(replace(sample_race(), units=units), AT, 1_660_000)
    same = PreviousRound(voters=1_000_000, registered=2_000_000, shares=(("hamon", 55.0),))
    renderer.turnout(replace(sample_race(), previous=same), AT, None)
    renderer.results(replace(sample_race(), previous=same), AT)
    renderer.results(replace(race(shares={"hamon": 60.0}), previous=same), AT)
    renderer.results(race(shares={"a": 100.0}), AT)
    help_text(renderer, admin=True)  # the command texts, reached through the command table
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
