"""What the figures mean, rendered: turnout like for like, figures held back, a flagged
version's every figure, ties, margins, trends, a level crossed again (issue 15)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.diff import diff_race
from bot.events import (
    AnomalyDetected,
    CandidateThresholdCrossed,
    Event,
    LeaderChanged,
    LeadTied,
    MarginNarrowed,
    MarginWidened,
    TurnoutCompared,
    TurnoutTrendChanged,
)
from bot.models import PreviousRound, Race, Units, replace
from bot.render.figures import points
from bot.render.text import Renderer, Style
from bot.rules import Rules
from tests.builders import EVENTS_AT, race

PARIS = ZoneInfo("Europe/Paris")
NNBSP, NBSP = "\u202f", "\xa0"


def r(locale: str = "fr") -> Renderer:
    return Renderer(Style(locale=locale, tz=PARIS))


def primary() -> Race:
    return race({"hamon": 6_000, "valls": 4_000}, counted=4422, total=7370, name="Primaire")


@pytest.mark.parametrize(
    ("locale", "value", "text"),
    [
        pytest.param("fr", 3.2, "+3,20", id="fr-up"),
        pytest.param("fr", -0.456, "−0,46", id="fr-down"),
        pytest.param("en", 12.0, "+12.00", id="en"),
    ],
)
def test_points_are_signed_the_locales_way(locale: str, value: float, text: str) -> None:
    assert points(r(locale), value) == text


def test_the_demos_2045_turnout_is_compared_pro_rata() -> None:
    """1,120,180 voters at 60 % of stations: about 1.87 million against 1.66 million."""
    race_ = replace(primary(), turnout=replace(primary().turnout, voters=1_120_180))
    text = r().turnout(race_, EVENTS_AT, previous_round=1_660_000).text
    assert f"environ 1{NNBSP}867{NNBSP}000 votants, contre 1{NNBSP}660{NNBSP}000" in text
    assert f"(+12,5{NBSP}%) — une estimation" in text


def test_the_same_places_say_so_with_the_change_in_points() -> None:
    same = PreviousRound(voters=4_000, registered=10_000, shares=(("hamon", 55.0),))
    race_ = replace(primary(), turnout=replace(primary().turnout, voters=5_000, registered=10_000))
    text = r().turnout(replace(race_, previous=same), EVENTS_AT, None).text
    assert f"Tour précédent, mêmes lieux : 4{NNBSP}000 votants (+25,0{NBSP}%)" in text
    assert "Participation : +10,00 points par rapport au tour précédent" in text
    results = r().results(replace(race_, previous=same), EVENTS_AT).text
    assert "Hamon : 60,00 % (+5,00 pts depuis le tour précédent)".replace(" %", f"{NBSP}%") in (
        results
    )


def test_an_event_on_a_version_with_shares_in_doubt_tells_no_share() -> None:
    held = replace(primary(), doubts=("shares",))
    (event,) = [
        e
        for e in diff_race(race({"hamon": 1, "valls": 1}, counted=10), held, Rules(), EVENTS_AT)
        if e.kind == "reporting_threshold"
    ]
    text = r().event(event).text
    assert "ne tiennent pas : Soirée ne les annonce pas" in text
    assert "Hamon" not in text


def test_results_with_figures_held_back_show_the_last_good_ones_and_say_so() -> None:
    text = r("en").results(replace(primary(), doubts=("shares",)), EVENTS_AT).text
    assert "Hamon: 60.00%" in text
    assert "these are the last that did" in text
    turnout = r("en").turnout(replace(primary(), doubts=("turnout",)), EVENTS_AT, None).text
    assert "this is the last that did" in turnout


def test_the_anomaly_report_shows_every_figure_of_the_flagged_version() -> None:
    flagged = race(shares={"hamon": 58.65, "valls": 41.45}, counted=4422, total=7370)
    flagged = replace(flagged, turnout=replace(flagged.turnout, voters=1_120_180))
    (event,) = [e for e in diff_race(None, flagged, Rules(), EVENTS_AT) if e.kind == "anomaly"]
    assert isinstance(event, AnomalyDetected)
    text = r().event(event).text
    assert "Mis en doute : les parts des candidats" in text
    assert f"votants : 1{NNBSP}120{NNBSP}180" in text
    assert f"4{NNBSP}422 bureaux sur 7{NNBSP}370" in text
    assert f"Hamon : — voix, part calculée 58,65{NBSP}%, publiée 58,65{NBSP}%" in text


def _headline(event: Event, locale: str = "fr") -> str:
    return r(locale).event(event).text.splitlines()[0]


HAMON, VALLS = primary().candidates
MARGIN = {"race": primary(), "at": EVENTS_AT, "leader": HAMON, "runner_up": VALLS}


@pytest.mark.parametrize(
    ("event", "locale", "headline"),
    [
        pytest.param(
            CandidateThresholdCrossed(key="k~2", race=primary(), at=EVENTS_AT, candidate=HAMON,
                                      level=50.0, generation=2),
            "fr", f"Hamon repasse la barre des 50{NBSP}% — Primaire", id="again",
        ),
        pytest.param(
            LeaderChanged(key="k", race=primary(), at=EVENTS_AT, leader=HAMON, previous=VALLS,
                          after_tie=True),
            "fr", "Hamon passe en tête, après l’égalité avec Valls — Primaire", id="out-of-tie",
        ),
        pytest.param(
            LeadTied(key="k", race=primary(), at=EVENTS_AT, tied=(HAMON, VALLS)),
            "en", "Hamon and Valls tied for the lead (60.00%) — Primaire", id="tie",
        ),
        pytest.param(
            MarginNarrowed(key="k", margin=1.0, unit="points", lead=0.4, **MARGIN),
            "fr", "Moins de 1 point d’écart entre Hamon et Valls — Primaire", id="under-1-point",
        ),
        pytest.param(
            MarginNarrowed(key="k", margin=2.0, unit="points", lead=0.4, generation=2, **MARGIN),
            "fr", "De nouveau moins de 2 points d’écart entre Hamon et Valls — Primaire",
            id="under-2-points-again",
        ),
        pytest.param(
            MarginNarrowed(key="k", margin=1000, unit="votes", lead=420, **MARGIN),
            "en", "Less than 1,000 votes between Hamon and Valls — Primaire", id="votes",
        ),
        pytest.param(
            MarginWidened(key="k", margin=1.0, unit="points", lead=1.6, **MARGIN),
            "fr", "L’écart entre Hamon et Valls repasse au-dessus de 1 point — Primaire",
            id="widened",
        ),
        pytest.param(
            TurnoutTrendChanged(key="k", race=primary(), at=EVENTS_AT, direction="up",
                                compared=TurnoutCompared(method="pro_rata", voters=1.87e6,
                                                         previous=1_660_000)),
            "fr", "Participation en hausse par rapport au tour précédent, à même stade du "
            "dépouillement — Primaire", id="trend-up-pro-rata",
        ),
        pytest.param(
            TurnoutTrendChanged(key="k", race=primary(), at=EVENTS_AT, direction="down",
                                compared=TurnoutCompared(method="same_places", voters=900,
                                                         previous=1000)),
            "en", "Turnout down on the previous round, in the same places — Primaire",
            id="trend-down-same-places",
        ),
    ],
)  # fmt: skip
def test_headlines_of_issue_15(event: Event, locale: str, headline: str) -> None:
    assert _headline(event, locale) == headline


def test_a_reversed_trend_says_it_was_told_the_other_way() -> None:
    event = TurnoutTrendChanged(
        key="k",
        race=replace(primary(), units=Units(counted=7370, total=7370)),
        at=EVENTS_AT,
        direction="down",
        retracts="national:turnout_trend:up",
        compared=TurnoutCompared(method="totals", voters=900, previous=1000),
    )
    text = r().event(event).text
    assert "Elle était annoncée en hausse : la tendance s’est inversée" in text
    assert f"Tour précédent : 1{NNBSP}000 votants (−10,0{NBSP}%)" in text
