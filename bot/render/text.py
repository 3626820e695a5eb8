"""Render events and races to text in a chat's locale and markup. Pure: no I/O."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from babel import Locale
from babel.dates import format_time
from babel.numbers import NumberPattern, parse_pattern

from bot.checks import SHARES, TURNOUT
from bot.events import (
    AnomalyDetected,
    CandidateThresholdCrossed,
    CaughtUp,
    Change,
    Event,
    FirstResultsReported,
    LeaderChanged,
    LeadTied,
    MarginNarrowed,
    MarginWidened,
    ReportingThresholdCrossed,
    ResultCorrected,
    ResultDeclaredFinal,
    SourcesDisagreed,
    TurnoutThresholdCrossed,
    TurnoutTrendChanged,
)
from bot.models import Candidate, Race, replace
from bot.render import en, figures, fr, slack
from bot.render.message import Message
from bot.render.names import shown_names
from bot.rounds import share_changes

CATALOGS: dict[str, dict[str, str]] = {"fr": fr.CATALOG, "en": en.CATALOG}
# Which count a progress phrase's noun agrees with: "12 communes sur 280", "12 of 280 communes".
PLURAL_BY: dict[str, str] = {"fr": fr.PLURAL_BY, "en": en.PLURAL_BY}
UNIT_KINDS = ("stations", "communes", "precincts", "counties")  # counted in whole units
LOCALES = tuple(CATALOGS)
MARKUPS = ("plain", "html", "slack")


@dataclass(frozen=True, kw_only=True, slots=True)
class Style:
    """How a chat reads: its locale, time zone and markup, and the source to credit."""

    locale: str = "fr"
    tz: tzinfo
    markup: str = "plain"
    source: str | None = None


@functools.cache
def _pattern(locale: str, digits: int | None) -> NumberPattern:
    """Return the locale's number pattern (`digits` None), or its percent pattern with that
    many decimals, parsed once (babel's format_percent parses both at every call)."""
    known = Locale.parse(locale)
    if digits is None:
        return parse_pattern(known.decimal_formats[None])
    decimals = "." + "0" * digits if digits else ""
    pattern = known.percent_formats[None].pattern.replace("#,##0", "#,##0" + decimals, 1)
    return parse_pattern(pattern)


class Renderer:
    """Turns events and races into messages for one Style."""

    def __init__(self, style: Style) -> None:
        if style.locale not in CATALOGS:
            raise ValueError(f"unknown locale {style.locale!r}; expected one of {LOCALES}")
        if style.markup not in MARKUPS:
            raise ValueError(f"unknown markup {style.markup!r}; expected one of {MARKUPS}")
        self.style = style
        self._catalog = CATALOGS[style.locale]
        self._locale = Locale.parse(style.locale)

    # --- formatting ----------------------------------------------------------------------

    def esc(self, text: str) -> str:
        """Escape text from the feed for this markup."""
        if self.style.markup == "html":
            return html.escape(text, quote=False)
        return slack.escape(text) if self.style.markup == "slack" else text

    def t(self, key: str, **values: object) -> str:
        """Return the catalog string `key`, its placeholders filled and escaped."""
        return self._catalog[key].format(**{k: self.esc(str(v)) for k, v in values.items()})

    def num(self, value: float) -> str:
        """Format a count the locale's way (1 120 180 / 1,120,180)."""
        return str(_pattern(self.style.locale, None).apply(value, self._locale))

    def pct(self, value: float, digits: int = 2) -> str:
        """Format a percentage given in 0–100 the locale's way (58,65 % / 58.65%)."""
        return str(_pattern(self.style.locale, digits).apply(value / 100, self._locale))

    def plural(self, count: int) -> str:
        """Return the catalog's plural suffix for a count: "one" or "other" (0 is one in fr)."""
        return "one" if self._locale.plural_form(count) == "one" else "other"

    def unit_key(self, base: str, race: Race) -> str:
        """Return the key of `base` for the race's unit: `base` for stations, else
        `base_communes`, `base_precincts`, `base_counties` or `base_percent`."""
        kind = race.units.kind
        return f"{base}_{kind}" if kind in (*UNIT_KINDS[1:], "percent") else base

    def level(self, value: float) -> str:
        """Format a threshold level, with decimals only when it has them."""
        return self.pct(value, 0 if float(value).is_integer() else 2)

    def time(self, at: datetime, pattern: str = "HH:mm") -> str:
        """Format a time in the chat's zone: its hour and minute, or `pattern` (HH:mm:ss)."""
        return str(format_time(at, pattern, tzinfo=self.style.tz, locale=self.style.locale))

    def bold(self, text: str) -> str:
        """Emphasise a headline in this markup."""
        return {"html": f"<b>{text}</b>", "slack": f"*{text}*"}.get(self.style.markup, text)

    def italic(self, text: str) -> str:
        """De-emphasise a footer in this markup."""
        return {"html": f"<i>{text}</i>", "slack": f"_{text}_"}.get(self.style.markup, text)

    def names(self, race: Race) -> dict[str, str]:
        """Return each candidate's name by id, labelled where two would read the same."""
        return shown_names(race, self._catalog["line.candidate_labelled"])

    def name_of(self, race: Race, c: Candidate) -> str:
        """Return the name a candidate is shown by in this race (see `names`)."""
        return self.names(race).get(c.id, c.name)

    # --- building blocks ---------------------------------------------------------------

    def standings(self, race: Race) -> list[str]:
        """Return one line per candidate, leader first (on Slack: one aligned table), each
        with its change since the previous round where known for the same places; only a
        line saying so when the version's shares are in doubt."""
        if SHARES in race.doubts:
            return [self.t("line.doubt.shares")]
        names, changes = self.names(race), share_changes(race)
        if self.style.markup == "slack":
            rows = [self._row(c, names[c.id], changes.get(c.id)) for c in race.standings()]
            return [slack.table(rows)]
        lines = []
        for c in race.standings():
            share = self.pct(c.share) if c.share is not None else "—"
            name, change = names[c.id], changes.get(c.id)
            line = "line.candidate_votes" if c.votes is not None else "line.candidate"
            values = {"name": name, "share": share, "votes": self.num(c.votes or 0)}
            if change is not None:
                line, values["change"] = f"{line}_change", figures.points(self, change)
            lines.append(self.t(line, **values))
        return lines

    def _row(self, c: Candidate, name: str, change: float | None) -> tuple[str, ...]:
        share = self.pct(c.share) if c.share is not None else "—"
        row = (self.esc(name), share, self.num(c.votes) if c.votes is not None else "")
        return row if change is None else (*row, figures.points(self, change))

    def footer(self, race: Race, at: datetime) -> str:
        """Return the data time and the progress in its unit, plus the source if known."""
        # A feed that gives no time (a Ministry file without its index): when it came in.
        when = "line.data_time" if race.dated else "line.received_time"
        parts = [self.t(when, time=self.time(at))]
        progress = self.progress(race)
        if progress is not None:
            parts.append(progress)
        if self.style.source:
            parts.append(self.t("line.source", source=self.style.source))
        return self.italic(" · ".join(parts))

    def progress(self, race: Race) -> str | None:
        """Return the race's progress in its unit ("12 communes sur 280"), or None when
        there is none to tell (kind "none": none published, or a single place)."""
        u = race.units
        if u.kind == "percent":
            return self.t("progress.percent", pct=self.pct(u.pct or 0.0, 1))
        if u.kind not in UNIT_KINDS:
            return None
        if not u.total:
            key = f"progress.{u.kind}_no_total.{self.plural(u.counted)}"
            return self.t(key, counted=self.num(u.counted))
        agrees = u.total if PLURAL_BY[self.style.locale] == "total" else u.counted
        return self.t(
            f"progress.{u.kind}.{self.plural(agrees)}",
            counted=self.num(u.counted),
            total=self.num(u.total),
            pct=self.pct(u.pct or 0.0, 1),
        )

    def turnout_lines(self, race: Race, previous_round: int | None) -> list[str]:
        """Return voters, participation and the comparison with the previous round."""
        return figures.turnout_lines(self, race, previous_round)

    def compose(
        self, headline: str, body: list[str], race: Race, at: datetime, flagged: bool = False
    ) -> Message:
        """Assemble headline, body lines and footer into one message."""
        body = [*body, self.t("line.flagged")] if flagged else list(body)
        footer = self.footer(race, at)
        if self.style.markup == "slack":
            return Message(
                text=slack.fallback(headline, body, footer),
                blocks=slack.blocks(self.bold(headline), body, footer),
            )
        return Message(text="\n".join([self.bold(headline), *body, footer]))

    # --- public entry points -------------------------------------------------------------

    def notice(self, key: str, **values: object) -> Message:
        """Render a one-line notice for admins (a source gone stale, back again)."""
        text = self.t(key, **values)
        if self.style.markup == "slack":
            return Message(text=text, blocks=slack.blocks(text, [], ""))
        return Message(text=text)

    def event(self, event: Event, previous_round: int | None = None) -> Message:
        """Render an event as a message."""
        headline, body = _EVENT_RENDERERS[type(event)](self, event, previous_round)
        return self.compose(headline, body, event.race, event.at)

    def results(self, race: Race, at: datetime, flagged: bool = False) -> Message:
        """Render a race's standings, for /results."""
        headline = self.esc(race.name)
        body = self.standings(_shown(race)) + figures.held_lines(self, race, (SHARES,))
        return self.compose(headline, body, race, at, flagged)

    def live(self, race: Race, at: datetime, seconds: str, flagged: bool = False) -> Message:
        """Render a live scoreboard: standings and progress, for a message edited in place."""
        body = (
            self.standings(_shown(race)) + figures.held_lines(self, race, (SHARES,))
            if race.has_results
            else [self.t("reply.no_data", race=race.name)]
        )
        body.append(self.italic(self.t("line.live_note", seconds=seconds)))
        return self.compose(self.t("headline.live", race=race.name), body, race, at, flagged)

    def turnout(
        self, race: Race, at: datetime, previous_round: int | None, flagged: bool = False
    ) -> Message:
        """Render a race's turnout, for /turnout."""
        body = self.turnout_lines(_shown(race), previous_round) or [
            self.t("reply.no_data", race=race.name)
        ]
        body += figures.held_lines(self, race, (TURNOUT,))
        return self.compose(self.esc(race.name), body, race, at, flagged)


def _shown(race: Race) -> Race:
    """Return a race served with figures held back, to show them (the last good ones)."""
    return replace(race, doubts=()) if race.doubts else race


Parts = tuple[str, list[str]]
_Fn = Callable[[Renderer, Event, int | None], Parts]


def _first(r: Renderer, e: Event, prev_round: int | None) -> Parts:
    assert isinstance(e, FirstResultsReported)
    if e.whole:  # the place came in whole: its one message, with its turnout
        body = r.standings(e.race) + r.turnout_lines(e.race, prev_round)
        return r.t("headline.results_in", race=e.race.name), body
    return r.t("headline.first_results", race=e.race.name), r.standings(e.race)


def _caught_up(r: Renderer, e: Event, prev_round: int | None) -> Parts:
    assert isinstance(e, CaughtUp)
    key = "headline.final" if any(k.endswith(":final") for k in e.covers) else "headline.caught_up"
    return r.t(key, race=e.race.name), r.standings(e.race) + r.turnout_lines(e.race, prev_round)


def _reporting(r: Renderer, e: Event, _: int | None) -> Parts:
    assert isinstance(e, ReportingThresholdCrossed)
    key = r.unit_key("headline.reporting_threshold", e.race)
    return r.t(key, step=r.level(e.step), race=e.race.name), r.standings(e.race)


def _candidate(r: Renderer, e: Event, _: int | None) -> Parts:
    assert isinstance(e, CandidateThresholdCrossed)
    question = "_question" if e.race.is_question else ""  # an answer passes, not a candidate
    again = "_again" if e.generation > 1 else ""  # over it again after its correction
    headline = r.t(
        f"headline.candidate_threshold{question}{again}",
        candidate=r.name_of(e.race, e.candidate),
        level=r.level(e.level),
        race=e.race.name,
    )
    return headline, r.standings(e.race)


def _leader(r: Renderer, e: Event, _: int | None) -> Parts:
    assert isinstance(e, LeaderChanged)
    # A measure's answer is ahead, not leading; a race electing several has places, and the
    # change is who comes into them (bot.diff).
    kind = "_question" if e.race.is_question else "_seats" if e.race.vote_for > 1 else ""
    kind = "_tie" if e.after_tie and not kind else kind  # out of a tie: level before
    headline = r.t(
        f"headline.leader_changed{kind}",
        leader=r.name_of(e.race, e.leader),
        previous=r.name_of(e.race, e.previous),
        race=e.race.name,
        seats=r.num(e.race.vote_for),
    )
    return headline, r.standings(e.race)


def _turnout(r: Renderer, e: Event, prev_round: int | None) -> Parts:
    assert isinstance(e, TurnoutThresholdCrossed)
    if e.metric == "participation":
        threshold, value = r.level(e.threshold), r.pct(e.value)
    else:
        threshold, value = r.num(e.threshold), r.num(e.value)
    headline = r.t(
        f"headline.turnout_{e.metric}", threshold=threshold, value=value, race=e.race.name
    )
    return headline, r.turnout_lines(e.race, prev_round)


def _correction(r: Renderer, e: Event, _: int | None) -> Parts:
    assert isinstance(e, ResultCorrected)
    if e.candidate is not None and e.level is not None:
        headline = r.t(
            "headline.correction_candidate",
            candidate=r.name_of(e.race, e.candidate),
            level=r.level(e.level),
            share=r.pct(e.candidate.share or 0.0),
            race=e.race.name,
        )
        return headline, r.standings(e.race)
    changes = [_change(r, e.race, c) for c in e.changes]
    return r.t("headline.correction_figures", race=e.race.name), changes + r.standings(e.race)


def _change(r: Renderer, race: Race, c: Change) -> str:
    """Return one figure that went down; progress in its unit (percent as a percentage)."""
    if c.field != "units":
        before, after = r.num(c.before), r.num(c.after)
        return r.t(f"change.{c.field}", subject=c.subject, before=before, after=after)
    if race.units.kind == "percent":
        scale = (race.units.total or 1) / 100  # ten-thousandths of 10,000
        before, after = r.pct(c.before / scale, 1), r.pct(c.after / scale, 1)
    else:
        before, after = r.num(c.before), r.num(c.after)
    return r.t(r.unit_key("change.units", race), before=before, after=after)


def _anomaly(r: Renderer, e: Event, _: int | None) -> Parts:
    assert isinstance(e, AnomalyDetected)
    return r.t("headline.anomaly", race=e.race.name), [
        anomaly_detail(r, e),
        *figures.anomaly_figures(r, e),
    ]


def anomaly_detail(r: Renderer, e: AnomalyDetected) -> str:
    """Return what an anomaly found, in words: its catalog line with its figures."""
    check, __, subject = e.check.partition(":")
    values: dict[str, str] = {}
    for name, value in e.detail:
        is_pct = name in {"published", "computed", "sum"}
        values[name] = r.pct(value) if is_pct else r.num(value)
    if subject:
        cand = e.race.candidate(subject)
        values["candidate"] = r.name_of(e.race, cand) if cand else subject
    return r.t(f"anomaly.{check}", **values)


def _disagreed(r: Renderer, e: Event, _: int | None) -> Parts:
    assert isinstance(e, SourcesDisagreed)
    line = r.t("line.sources_disagree", source=e.source, other=e.other, time=r.time(e.at))
    body = [line, r.t("line.figures_of", source=e.other), *r.standings(e.served)]
    body += [r.t("line.figures_of", source=e.source), *r.standings(e.race)]
    return r.t("headline.sources_disagree", race=e.race.name), body


def _final(r: Renderer, e: Event, prev_round: int | None) -> Parts:
    key = "headline.final" if e.race.final else r.unit_key("headline.final_counted", e.race)
    return r.t(key, race=e.race.name), r.standings(e.race) + r.turnout_lines(e.race, prev_round)


_EVENT_RENDERERS: dict[type[Event], _Fn] = {
    FirstResultsReported: _first,
    CaughtUp: _caught_up,
    ReportingThresholdCrossed: _reporting,
    CandidateThresholdCrossed: _candidate,
    LeaderChanged: _leader,
    TurnoutThresholdCrossed: _turnout,
    ResultCorrected: _correction,
    AnomalyDetected: _anomaly,
    SourcesDisagreed: _disagreed,
    ResultDeclaredFinal: _final,
    TurnoutTrendChanged: figures.render_trend,
    LeadTied: figures.render_tie,
    MarginNarrowed: figures.render_margin,
    MarginWidened: figures.render_margin,
}
