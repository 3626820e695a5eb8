"""The renderer: locale numbers, Paris data time, footers, HTML escaping.

Splitting a message is tested with the message, in tests/render/test_message.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.events import (
    FirstResultsReported,
    LeaderChanged,
    ReportingThresholdCrossed,
    ResultDeclaredFinal,
)
from bot.models import Candidate, Race, Turnout, Units, replace, with_computed_shares
from bot.render.text import Renderer, Style
from bot.store.codec import message_from_json, message_to_json
from tests.builders import all_events, at, race

PARIS = ZoneInfo("Europe/Paris")
NNBSP = "\u202f"  # narrow no-break space: Babel's French grouping separator
NBSP = "\xa0"  # no-break space: Babel's French space before %
WINTER = datetime(2017, 1, 29, 19, 40, tzinfo=UTC)  # 20:40 in Paris (UTC+1)
SUMMER = datetime(2022, 4, 24, 18, 5, tzinfo=UTC)  # 20:05 in Paris (UTC+2)


def renderer(locale: str = "fr", markup: str = "plain", source: str | None = None) -> Renderer:
    return Renderer(Style(locale=locale, tz=PARIS, markup=markup, source=source))


def primary(*, total: int | None = 7_370, voters: int | None = None) -> Race:
    """A race where Hamon has 1 120 180 votes and 58.65 % of them."""
    return race(
        {"hamon": 1_120_180, "valls": 789_770},
        counted=5_000,
        total=total,
        voters=voters,
        name="Primaire",
    )


# --- numbers ------------------------------------------------------------------------------


def test_french_numbers_use_babel_separators() -> None:
    r = renderer("fr")
    assert r.pct(58.65) == f"58,65{NBSP}%"
    assert r.num(1_120_180) == f"1{NNBSP}120{NNBSP}180"
    assert r.pct(10, 1) == f"10,0{NBSP}%"
    assert r.level(50) == f"50{NBSP}%"
    assert r.level(57.5) == f"57,50{NBSP}%"


def test_english_numbers() -> None:
    r = renderer("en")
    assert r.pct(58.65) == "58.65%"
    assert r.num(1_120_180) == "1,120,180"
    assert r.pct(10, 1) == "10.0%"
    assert r.level(50) == "50%"


def test_percentages_round_to_two_decimals() -> None:
    assert renderer("fr").pct(100 * 2 / 3) == f"66,67{NBSP}%"
    assert renderer("en").pct(100 * 1 / 3) == "33.33%"
    assert renderer("en").pct(100.0) == "100.00%"


def test_results_show_locale_numbers() -> None:
    fr_text = renderer("fr").results(primary(), WINTER).text
    en_text = renderer("en").results(primary(), WINTER).text
    assert f"Hamon : 58,65{NBSP}% (1{NNBSP}120{NNBSP}180 voix)" in fr_text
    assert "Hamon: 58.65% (1,120,180 votes)" in en_text
    # Leader first.
    assert fr_text.index("Hamon") < fr_text.index("Valls")


# --- data time and footer -----------------------------------------------------------------


@pytest.mark.parametrize(("at", "shown"), [(WINTER, "20:40"), (SUMMER, "20:05")])
def test_data_time_is_shown_in_paris(at: datetime, shown: str) -> None:
    assert renderer("fr").time(at) == shown
    assert renderer("en").time(at) == shown
    footer = renderer("fr").results(primary(), at).text.splitlines()[-1]
    assert footer.startswith(f"Données de {shown} · ")


def test_footer_names_stations_counted() -> None:
    fr_footer = renderer("fr").results(primary(), WINTER).text.splitlines()[-1]
    en_footer = renderer("en").results(primary(), WINTER).text.splitlines()[-1]
    assert fr_footer == (f"Données de 20:40 · 5{NNBSP}000 bureaux sur 7{NNBSP}370 (67,8{NBSP}%)")
    assert en_footer == "Data as of 20:40 · 5,000 of 7,370 stations (67.8%)"


def test_a_time_the_feed_did_not_give_is_said_received() -> None:
    undated = replace(primary(), dated=False)  # a Ministry file read without its index
    fr_footer = renderer("fr").results(undated, WINTER).text.splitlines()[-1]
    en_footer = renderer("en").results(undated, WINTER).text.splitlines()[-1]
    assert fr_footer.startswith("Reçu à 20:40 · "), fr_footer
    assert en_footer.startswith("Received at 20:40 · "), en_footer
    assert "Données" not in fr_footer
    assert "Data as of" not in en_footer


def test_footer_without_total_and_with_source() -> None:
    r = renderer("fr", source="Ministère de l’Intérieur")
    footer = r.results(primary(total=None), WINTER).text.splitlines()[-1]
    assert footer == (
        f"Données de 20:40 · 5{NNBSP}000 bureaux dépouillés · Source : Ministère de l’Intérieur"
    )


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("markup", ["plain", "html"])
def test_every_event_message_has_data_time_and_stations(locale: str, markup: str) -> None:
    r = renderer(locale, markup)
    for event in all_events():
        message = r.event(event)
        footer = message.text.splitlines()[-1]
        assert r.time(event.at) in footer, (event.kind, footer)
        units = event.race.units
        if units.kind == "percent":
            assert r.pct(units.pct or 0.0, 1) in footer, (event.kind, footer)
            continue
        assert r.num(units.counted) in footer, (event.kind, footer)
        if units.total:
            assert r.num(units.total) in footer, (event.kind, footer)


def test_a_complete_count_compares_totals_with_the_previous_round() -> None:
    done = replace(primary(voters=1_826_000), units=Units(counted=7370, total=7370))
    fr_text = renderer("fr").turnout(done, WINTER, previous_round=1_660_000).text
    en_text = renderer("en").turnout(done, WINTER, previous_round=1_660_000).text
    assert f"Votants : 1{NNBSP}826{NNBSP}000" in fr_text
    assert f"Tour précédent : 1{NNBSP}660{NNBSP}000 votants (+10,0{NBSP}%)" in fr_text
    assert "Previous round: 1,660,000 voters (+10.0%)" in en_text
    down = replace(done, turnout=Turnout(voters=1_494_000))
    assert (
        "Previous round: 1,660,000 voters (−10.0%)"
        in renderer("en").turnout(down, WINTER, 1_660_000).text
    )


def test_a_partial_count_compares_pro_rata_with_the_previous_round() -> None:
    """At 60 % of stations, 1,120,180 voters are about 1.87 million pro rata: up on the
    1.66 million of round 1, where the totals said −32.5 %."""
    partial = replace(primary(voters=1_120_180), units=Units(counted=4422, total=7370))
    fr_text = renderer("fr").turnout(partial, WINTER, previous_round=1_660_000).text
    en_text = renderer("en").turnout(partial, WINTER, previous_round=1_660_000).text
    assert (
        f"À proportion des bureaux dépouillés : environ 1{NNBSP}867{NNBSP}000 votants, contre "
        f"1{NNBSP}660{NNBSP}000 au tour précédent (+12,5{NBSP}%) — une estimation"
    ) in fr_text
    assert "about 1,867,000 voters, against 1,660,000 in the previous round (+12.5%)" in en_text
    assert "Tour précédent :" not in fr_text


def test_a_partial_count_of_unknown_progress_is_not_compared() -> None:
    unknown = replace(primary(voters=1_120_180), units=Units(counted=0, total=None, kind="none"))
    text = renderer("fr").turnout(unknown, WINTER, previous_round=1_660_000).text
    assert "tour précédent" not in text.lower()


def test_a_measure_has_an_answer_ahead_and_a_race_electing_two_has_places() -> None:
    hamon, valls = primary().candidates
    measure, two = replace(primary(), is_question=True), replace(primary(), vote_for=2)

    def headline(race: Race, locale: str) -> str:
        event = LeaderChanged(key="k", race=race, at=WINTER, leader=valls, previous=hamon)
        return renderer(locale).event(event).text.splitlines()[0]

    assert headline(measure, "fr") == "« Valls » passe devant « Hamon » — Primaire"
    assert headline(measure, "en") == "“Valls” is now ahead of “Hamon” — Primaire"
    assert headline(two, "fr") == "Valls entre dans les 2 places d’élus, Hamon en sort — Primaire"
    assert headline(two, "en") == (
        "Valls moves into the 2 winning places, Hamon drops out — Primaire"
    )
    assert headline(primary(), "en") == "Valls takes the lead from Hamon — Primaire"


def test_undervotes_and_overvotes_are_shown_with_the_turnout_where_published() -> None:
    up = primary(voters=1_826_000)
    blank = replace(up, turnout=replace(up.turnout, undervotes=1_200, overvotes=3))
    fr_text = renderer("fr").turnout(blank, WINTER, previous_round=None).text
    assert f"Sous-votes (aucun choix) : 1{NNBSP}200 · survotes (trop de choix) : 3" in fr_text
    # A race electing two has no voters of its own (its votes may exceed its ballots).
    two = replace(up, vote_for=2, turnout=replace(up.turnout, voters=None, undervotes=7))
    en_text = renderer("en").turnout(two, WINTER, previous_round=None).text
    assert en_text.splitlines()[1] == "Undervotes: 7 · overvotes: —"
    assert "Undervotes" not in renderer("en").turnout(up, WINTER, previous_round=None).text


def test_flagged_results_carry_the_warning() -> None:
    text = renderer("fr").results(primary(), WINTER, flagged=True).text
    assert "⚠ Les derniers chiffres publiés ne tiennent pas : Soirée les met de côté" in text
    assert "⚠" not in renderer("fr").results(primary(), WINTER).text


def test_unknown_locale_or_markup_is_refused() -> None:
    with pytest.raises(ValueError, match="locale"):
        Renderer(Style(locale="de", tz=PARIS))
    with pytest.raises(ValueError, match="markup"):
        Renderer(Style(locale="fr", tz=PARIS, markup="markdown"))


# --- escaping -----------------------------------------------------------------------------

HOSTILE = "<b>X</b> & Co"
ESCAPED = "&lt;b&gt;X&lt;/b&gt; &amp; Co"


def hostile_race() -> Race:
    r = race({"x": 600, "y": 400}, name="Course <script> & Cie")
    x, y = r.candidates
    return Race(
        id=r.id,
        name=r.name,
        units=r.units,
        turnout=r.turnout,
        candidates=(
            type(x)(id=x.id, name=HOSTILE, votes=x.votes, share=x.share),
            type(y)(id=y.id, name="Y <i>", votes=y.votes, share=y.share),
        ),
    )


def only_our_tags(text: str) -> bool:
    return all(tag in {"<b>", "</b>", "<i>", "</i>"} for tag in re.findall(r"<[^>]*>", text))


def test_html_escapes_feed_text() -> None:
    r = renderer("fr", "html", source="Préfecture <Nord> & Co")
    h = hostile_race()
    messages = [
        r.results(h, WINTER),
        r.turnout(h, WINTER, previous_round=900),
        r.event(FirstResultsReported(key="k", race=h, at=WINTER)),
        r.event(
            LeaderChanged(
                key="l", race=h, at=WINTER, leader=h.candidates[0], previous=h.candidates[1]
            )
        ),
    ]
    for message in messages:
        assert HOSTILE not in message.text
        assert only_our_tags(message.text), message.text
    results = messages[0].text
    assert f"{ESCAPED} : 60,00{NBSP}% (600 voix)" in results
    assert "Y &lt;i&gt;" in results
    assert results.startswith("<b>Course &lt;script&gt; &amp; Cie</b>\n")
    assert "Source : Préfecture &lt;Nord&gt; &amp; Co" in results
    assert results.splitlines()[-1].startswith("<i>")
    assert results.endswith("</i>")
    assert f"<b>{ESCAPED} passe en tête devant Y &lt;i&gt; — Course &lt;script&gt;" in (
        messages[3].text
    )


def test_html_event_headlines_escape_every_event() -> None:
    r = renderer("en", "html")
    for event in all_events():
        text = r.event(event).text
        assert only_our_tags(text), text
        assert text.startswith("<b>")


def test_plain_markup_leaves_feed_text_literal() -> None:
    r = renderer("fr", "plain", source="Préfecture <Nord> & Co")
    text = r.results(hostile_race(), WINTER).text
    assert f"{HOSTILE} : 60,00{NBSP}% (600 voix)" in text
    assert text.startswith("Course <script> & Cie\n")
    assert "&amp;" not in text
    assert "&lt;" not in text
    assert "<i>Données" not in text


def test_message_round_trips_through_json() -> None:
    message = renderer("fr", "html").results(hostile_race(), WINTER)
    assert message_from_json(message_to_json(message)) == message


@pytest.mark.parametrize(
    ("units", "fr_text", "en_text"),
    [
        (Units(counted=3, total=6, kind="communes"), "3 communes sur 6 (50,0\xa0%)",
         "3 of 6 communes in (50.0%)"),
        (Units(counted=6250, total=10000, kind="percent"), "62,5\xa0% des bureaux saisis",
         "62.5% of polling stations entered"),
        (Units(counted=4422, total=7370), "4\u202f422 bureaux sur 7\u202f370",
         "4,422 of 7,370 stations"),
        # Singular and plural in both languages (issue 14, item 2): the French noun agrees
        # with the count before it, the English one with the total.
        (Units(counted=1, total=280, kind="communes"), "1 commune sur 280 (0,4\xa0%)",
         "1 of 280 communes in (0.4%)"),
        (Units(counted=0, total=280, kind="communes"), "0 commune sur 280 (0,0\xa0%)",
         "0 of 280 communes in (0.0%)"),
        (Units(counted=1, total=1, kind="communes"), "1 commune sur 1 (100,0\xa0%)",
         "1 of 1 commune in (100.0%)"),
        (Units(counted=1, total=1), "1 bureau sur 1 (100,0\xa0%)", "1 of 1 station (100.0%)"),
        (Units(counted=1, total=None), "1 bureau dépouillé", "1 station counted"),
        (Units(counted=12, total=None, kind="communes"), "12 communes remontées",
         "12 communes in"),
        (Units(counted=1, total=None, kind="communes"), "1 commune remontée", "1 commune in"),
        (Units(counted=12, total=30, kind="precincts"), "12 bureaux de vote sur 30 (40,0\xa0%)",
         "12 of 30 precincts reporting (40.0%)"),
        (Units(counted=1, total=None, kind="precincts"), "1 bureau de vote remonté",
         "1 precinct reporting"),
    ],
)  # fmt: skip
def test_footer_says_what_is_counted(units: Units, fr_text: str, en_text: str) -> None:

    r = replace(race({"a": 60, "b": 40}), units=units)
    for locale, expected in (("fr", fr_text), ("en", en_text)):
        renderer = Renderer(Style(locale=locale, tz=ZoneInfo("Europe/Paris")))
        assert expected in renderer.footer(r, at(0))


@pytest.mark.parametrize(
    "units",
    [
        pytest.param(Units(counted=0, total=None, kind="none"), id="totals-file"),
        pytest.param(Units(counted=1, total=1, kind="none"), id="a-single-place"),
    ],
)
def test_footer_without_progress_of_its_own_says_only_the_time(units: Units) -> None:

    r = replace(race({"a": 60, "b": 40}), units=units)
    assert renderer("fr").footer(r, WINTER) == "Données de 20:40"
    assert renderer("en").footer(r, WINTER) == "Data as of 20:40"


@pytest.mark.parametrize(
    ("kind", "fr_head", "en_head", "fr_final", "en_final"),
    [
        ("stations", "50 % des bureaux dépouillés", "50% of polling stations counted",
         "Tous les bureaux sont dépouillés", "All polling stations counted"),
        ("communes", "50 % des communes ont remonté leurs résultats",
         "Results in from 50% of communes", "Toutes les communes ont remonté leurs résultats",
         "Results in from every commune"),
        ("precincts", "50 % des bureaux de vote ont remonté leurs résultats",
         "50% of precincts reporting", "Tous les bureaux de vote ont remonté leurs résultats",
         "All precincts reporting"),
        ("percent", "50 % des bureaux saisis", "50% of polling stations entered",
         "Tous les bureaux sont saisis", "All polling stations entered"),
    ],
)  # fmt: skip
def test_steps_and_completion_speak_in_the_unit(
    kind: str, fr_head: str, en_head: str, fr_final: str, en_final: str
) -> None:
    total = 10000 if kind == "percent" else 280
    r = replace(race({"a": 60, "b": 40}), units=Units(counted=total // 2, total=total, kind=kind))
    crossed = ReportingThresholdCrossed(key="x:reporting:50", race=r, at=WINTER, step=50, pct=50)
    whole = replace(r, units=Units(counted=total, total=total, kind=kind))
    final = ResultDeclaredFinal(key="x:final", race=whole, at=WINTER)
    for locale, head, done in (("fr", fr_head, fr_final), ("en", en_head, en_final)):
        texts = renderer(locale).event(crossed).text, renderer(locale).event(final).text
        assert texts[0].startswith(head.replace(" %", "\xa0%")), texts[0]
        assert texts[1].startswith(done), texts[1]
    assert "bureaux" not in renderer("fr").event(crossed).text or kind != "communes"


def test_a_place_that_came_in_whole_has_its_results_and_turnout() -> None:
    r = replace(
        race({"a": 600, "b": 400}, voters=1050, registered=2000),
        units=Units(counted=1, total=1, kind="none"),
    )
    event = FirstResultsReported(key="c:first_results", race=r, at=WINTER, whole=True)
    fr_text = renderer("fr").event(event).text
    assert fr_text.splitlines()[0] == "Résultats — Primaire"
    assert "Participation : 52,50" in fr_text
    assert "bureau" not in fr_text
    assert fr_text.splitlines()[-1] == "Données de 20:40"
    assert renderer("en").event(event).text.startswith("Results in — Primaire")


def _paris_ninth() -> Race:
    return replace(
        race({"13": 16_332, "9": 10_192, "8": 716}, counted=1, total=1, name="Paris, 9ème"),
        candidates=(
            Candidate(id="13", name="Sandrine ROUSSEAU", votes=16_332, party="NUP"),
            Candidate(id="9", name="Buon <TAN>", votes=10_192, party="ENS"),
            Candidate(id="8", name="Sandrine ROUSSEAU", votes=716, party="D&G"),
        ),
    )


@pytest.mark.parametrize("markup", ["plain", "html", "slack"])
def test_two_candidates_of_the_same_name_are_shown_with_their_party(markup: str) -> None:
    r = renderer(markup=markup)
    paris = with_computed_shares(_paris_ninth())

    text = r.results(paris, WINTER).text
    rousseau, _, twin = paris.candidates
    change = LeaderChanged(key="l", race=paris, at=WINTER, leader=twin, previous=rousseau)
    leader = r.event(change).text

    amp = "&amp;" if markup in ("html", "slack") else "&"
    assert "Sandrine ROUSSEAU (NUP)" in text
    assert f"Sandrine ROUSSEAU (D{amp}G)" in text
    assert "TAN (ENS)" not in text  # a name no one else has is shown as it is
    assert f"Sandrine ROUSSEAU (D{amp}G)" in leader
    assert "Sandrine ROUSSEAU (NUP)" in leader
