"""Rendering what figures mean: turnout against the previous round like for like, figures
held back because a check put them in doubt, a flagged version's every figure, and the
events of the lead (ties, margins) and of the turnout's trend. Pure: no I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.checks import SHARES, TURNOUT
from bot.events import (
    AnomalyDetected,
    Event,
    LeadTied,
    MarginNarrowed,
    MarginWidened,
    TurnoutCompared,
    TurnoutTrendChanged,
)
from bot.models import Race
from bot.rounds import compared

if TYPE_CHECKING:
    from bot.render.text import Renderer

Parts = tuple[str, list[str]]


def points(r: Renderer, value: float, signed: bool = True) -> str:
    """Format points of share ("+3,20" / "−0,45"), with a true minus sign."""
    text = r.pct(abs(value)).replace("%", "").replace("\u00a0", "").replace("\u202f", "")
    if not signed:
        return text.strip()
    return ("+" if value >= 0 else "−") + text.strip()


def signed_pct(r: Renderer, value: float) -> str:
    """Format a change in percent with its sign ("+12,5 %")."""
    return ("+" if value >= 0 else "−") + r.pct(abs(value), 1)


def comparison_lines(r: Renderer, race: Race, c: TurnoutCompared) -> list[str]:
    """Return how turnout compares with the previous round, saying how it was compared."""
    delta = signed_pct(r, c.change)
    if c.method == "pro_rata":
        estimate = r.num(round(c.voters, -3))
        key = r.unit_key("line.previous_round_pro_rata", race)
        lines = [r.t(key, estimate=estimate, voters=r.num(c.previous), delta=delta)]
    elif c.method == "same_places":
        lines = [r.t("line.previous_round_same_places", voters=r.num(c.previous), delta=delta)]
    else:
        lines = [r.t("line.previous_round", voters=r.num(c.previous), delta=delta)]
    if c.points is not None:
        lines.append(r.t("line.previous_round_points", points=points(r, c.points)))
    return lines


def turnout_lines(
    r: Renderer, race: Race, previous_round: int | None, found: TurnoutCompared | None = None
) -> list[str]:
    """Return voters, participation and the like-for-like comparison with the previous
    round (`found`, else worked out); only a line saying so when the turnout is in doubt."""
    if TURNOUT in race.doubts:
        return [r.t("line.doubt.turnout")]
    t = race.turnout
    if t.voters is None:
        return choice_lines(r, race)
    if t.participation is not None and t.registered:
        lines = [
            r.t(
                "line.participation",
                pct=r.pct(t.participation),
                voters=r.num(t.voters),
                registered=r.num(t.registered),
            )
        ]
    else:
        lines = [r.t("line.voters", voters=r.num(t.voters))]
    found = found or compared(race, previous_round)
    if found is not None:
        lines += comparison_lines(r, race, found)
    return lines + choice_lines(r, race)


def choice_lines(r: Renderer, race: Race) -> list[str]:
    """Return the contest's undervotes and overvotes, where the feed publishes them."""
    t = race.turnout
    if t.undervotes is None and t.overvotes is None:
        return []
    under, over = (r.num(v) if v is not None else "—" for v in (t.undervotes, t.overvotes))
    return [r.t("line.under_over", under=under, over=over)]


def held_lines(r: Renderer, race: Race, shown: tuple[str, ...]) -> list[str]:
    """Return, for /results, /turnout and a live board, which of the figures shown are the
    last good ones, held back from a version that did not add up."""
    held = [f for f in (SHARES, TURNOUT) if f in race.doubts and f in shown]
    return [r.t(f"line.doubt.{f}_held") for f in held]


# --- a flagged version's report to the admin chats ------------------------------------------


def anomaly_figures(r: Renderer, e: AnomalyDetected) -> list[str]:
    """Return what the check puts in doubt, and every figure of the flagged version."""
    race, t = e.race, e.race.turnout
    lines = []
    if e.taints:
        lines.append(r.t("line.taints", what=", ".join(r.t(f"taint.{f}") for f in e.taints)))

    def n(value: int | None) -> str:
        return r.num(value) if value is not None else "—"

    lines.append(
        r.t(
            "line.figures_all",
            units=r.progress(race) or "—",
            registered=n(t.registered),
            voters=n(t.voters),
            blank=n(t.blank),
            null=n(t.null),
            valid=n(t.valid),
        )
    )
    names = r.names(race)
    for c in race.candidates:
        lines.append(
            r.t(
                "line.candidate_figures",
                name=names.get(c.id, c.name),
                votes=n(c.votes),
                share=r.pct(c.share) if c.share is not None else "—",
                published=r.pct(c.published_share) if c.published_share is not None else "—",
            )
        )
    return lines


# --- the events of the lead and of the trend ------------------------------------------------


def render_trend(r: Renderer, e: Event, prev_round: int | None) -> Parts:
    assert isinstance(e, TurnoutTrendChanged)
    headline = r.t(f"headline.turnout_trend_{e.direction}_{e.compared.method}", race=e.race.name)
    body = turnout_lines(r, e.race, prev_round, e.compared)
    if e.retracts:  # it reverses the trend told before
        body.append(r.t(f"line.trend_reversed.{e.direction}"))
    return headline, body


def render_tie(r: Renderer, e: Event, _: int | None) -> Parts:
    assert isinstance(e, LeadTied)
    names = r.names(e.race)
    who = f" {r.t('line.and')} ".join(names.get(c.id, c.name) for c in e.tied)
    share = r.pct(e.tied[0].share or 0.0)
    key = "headline.tie_seats" if e.race.vote_for > 1 else "headline.tie"
    return r.t(key, names=who, share=share, race=e.race.name), r.standings(e.race)


def _margin_values(r: Renderer, e: MarginNarrowed | MarginWidened) -> dict[str, object]:
    if e.unit == "points":
        margin, lead = r.level(e.margin).replace("%", "").strip(), points(r, e.lead, False)
    else:
        margin, lead = r.num(e.margin), r.num(e.lead)
    return {
        "margin": margin.replace("\u00a0", "").replace("\u202f", ""),
        "lead": lead,
        "leader": r.name_of(e.race, e.leader),
        "runner_up": r.name_of(e.race, e.runner_up),
        "race": e.race.name,
    }


def render_margin(r: Renderer, e: Event, _: int | None) -> Parts:
    assert isinstance(e, MarginNarrowed | MarginWidened)
    which = "narrowed" if isinstance(e, MarginNarrowed) else "widened"
    again = "_again" if which == "narrowed" and e.generation > 1 else ""
    form = r.plural(int(e.margin)) if float(e.margin).is_integer() else "other"
    if r.style.locale == "fr" and e.margin < 2:
        form = "one"  # « moins de 1,5 point » : singulier sous 2 en français
    values = _margin_values(r, e)
    headline = r.t(f"headline.margin_{which}_{e.unit}{again}.{form}", **values)
    lead = r.t(f"line.lead_{e.unit}", lead=values["lead"])
    return headline, [lead, *r.standings(e.race)]
