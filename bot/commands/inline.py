"""Inline queries: what a user types after the bot's name in any chat, answered with result
cards from the store. Platform-neutral; Telegram's adapter turns the cards into results."""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.handlers import Handlers
from bot.deeplinks import MAIN, payload_for
from bot.lookup import MAX_CHOICES, RaceRef, lookup
from bot.render import markup_for
from bot.render.message import Message
from bot.render.text import LOCALES, Renderer
from bot.store import StoredRace

MAX_QUERY = 256  # InlineQueryLimit.MAX_QUERY_LENGTH: Telegram sends no longer query
SHOWN_CANDIDATES = 2  # candidates a card's one-line description names


@dataclass(frozen=True, kw_only=True, slots=True)
class Card:
    """One race as an inline result: a title and a line in plain text to choose it by, and
    the message that choosing it sends (in the platform's markup, with its chart if drawn)."""

    race_id: str
    title: str
    description: str
    message: Message


@dataclass(frozen=True, kw_only=True, slots=True)
class Cards:
    """The answer to an inline query: its cards, best first, and the button that opens a
    private chat subscribed to them (its label in plain text, its start payload)."""

    cards: tuple[Card, ...]
    button: str
    payload: str
    locale: str


class Inline:
    """Answers inline queries with the lookup the commands use, from the store only."""

    def __init__(self, handlers: Handlers) -> None:
        self.h = handlers

    async def answer(
        self, query: str, locale_hint: str | None, *, platform: str = "telegram",
        charts: bool = False,
    ) -> Cards:  # fmt: skip
        """Return the cards of the races a query names (no query: the main races), in the
        user's language when Soirée speaks it, else the config's; `charts` draws each
        card's results chart, where the [charts] default puts one on /results."""
        hint = (locale_hint or "")[:2].lower()
        locale = hint if hint in LOCALES else self.h.display.locale
        r = Renderer(self.h.display.style(locale, markup_for(platform)))
        plain = Renderer(self.h.display.style(locale, "plain"))
        refs = await self._refs(query[:MAX_QUERY].strip())
        on = self.h.charts is not None and "results" in self.h.charts.defaults.send_with
        draw = charts and on
        cards = []
        for ref in refs:
            stored = await self.h.store.latest_race(ref.id)
            if stored is not None:
                cards.append(await self._card(stored, r, plain, draw))
        if len(cards) == 1:
            name = cards[0].title
            label = plain.t("reply.inline_subscribe_race", race=name)
            payload = payload_for(cards[0].race_id) or MAIN
        else:
            label, payload = plain.t("reply.inline_subscribe"), MAIN
        return Cards(cards=tuple(cards), button=label, payload=payload, locale=locale)

    async def _refs(self, query: str) -> list[RaceRef]:
        refs = await self.h.store.race_index()
        if query:
            return lookup(refs, query)
        main = [ref for m in self.h.main_races for ref in refs if ref.id == m]
        return main or list(refs[:MAX_CHOICES])

    async def _card(self, stored: StoredRace, r: Renderer, plain: Renderer, draw: bool) -> Card:
        race, at = stored.race, stored.updated_at
        if not race.has_results:
            message = Message(text=r.t("reply.no_data", race=race.name))
            return Card(race_id=race.id, title=race.name, message=message,
                        description=plain.t("reply.inline_no_data"))  # fmt: skip
        message = self.h._for_race(r, stored).results(race, at, stored.flagged)
        if draw:
            assert self.h.charts is not None
            label = self.h.display.label(stored.source)
            image = await self.h.charts.image(race, at, r.style.locale, label)
            message = message.with_image(image)
        lines = plain.standings(race)[:SHOWN_CANDIDATES]
        progress = plain.progress(race)
        description = " · ".join([*lines, *([progress] if progress else [])])
        return Card(race_id=race.id, title=race.name, description=description, message=message)
