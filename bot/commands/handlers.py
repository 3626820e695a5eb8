"""Platform-neutral command handlers: a chat's text in, a rendered reply out."""

from __future__ import annotations

from typing import Protocol

from bot.admin import Admin
from bot.audience import AREA_PREFIX, AREA_WORDS, EVERYTHING, AdminChats, area_key
from bot.charts import Charts, setting_key
from bot.commands.request import Request
from bot.config import CHART_KINDS
from bot.deeplinks import BotLinks
from bot.display import Display
from bot.lookup import MAX_CHOICES, RaceRef, fold, lookup, suggest
from bot.models import Race
from bot.render import markup_for
from bot.render.message import Message
from bot.render.text import CATALOGS, LOCALES, Renderer, Style
from bot.rules import Rules
from bot.store import Store, StoredRace, Subscription

MAX_QUOTED = 60  # characters of a chat's argument that a reply quotes back

CHART_WORDS = {
    "results": "results", "resultats": "results", "reporting": "reporting_threshold",
    "depouillement": "reporting_threshold", "final": "final", "definitif": "final",
}  # fmt: skip


class LiveControl(Protocol):
    """Starts and stops a chat's live scoreboard (bot.live.Scoreboards)."""

    async def enable(self, platform: str, chat_id: str, race: str, locale: str) -> None:
        """Start a chat's scoreboard of a race."""
        ...

    async def disable(self, platform: str, chat_id: str) -> bool:
        """Stop a chat's scoreboard; False when there was none."""
        ...


class Handlers:
    """The handlers of the chat commands, answering from the store; never waits on a feed.
    bot.commands.table names which handler runs which command."""

    def __init__(
        self,
        store: Store,
        display: Display,
        rules: Rules,
        *,
        main_races: tuple[str, ...] = (),
        admin: Admin | None = None,
        admins: AdminChats | None = None,
        charts: Charts | None = None,
        live: LiveControl | None = None,
        links: BotLinks | None = None,
    ) -> None:
        self.store, self.display, self.rules, self.admin = store, display, rules, admin
        self.links = links  # the bot's t.me links, for /share
        self.admins = admins or AdminChats()  # from the config: no subscription changes them
        self.main_races = main_races  # what a command without a race answers about
        self.charts, self.live = charts, live

    async def renderer(self, req: Request) -> Renderer:
        """Return a chat's renderer: its subscription's locale, else its sender's, else ours."""
        subs = await self.store.subscriptions(req.platform, req.chat_id)
        hint = (req.locale_hint or "")[:2].lower()
        locale = subs[0].locale if subs else hint if hint in LOCALES else self.display.locale
        return Renderer(self.display.style(locale, markup_for(req.platform)))

    def _for_race(self, r: Renderer, stored: StoredRace) -> Renderer:
        label = self.display.label(stored.source)
        return Renderer(
            Style(locale=r.style.locale, tz=r.style.tz, markup=r.style.markup, source=label)
        )

    async def find_race(self, query: str | None) -> StoredRace | list[RaceRef] | None:
        """Return the race a query names, the choices when it is ambiguous, or None.

        With no query: the first configured main race that has data, else any race.
        """
        if not query:  # a main race read alone: not the index of 35,000 communes
            for main in self.main_races:
                if (stored := await self.store.latest_race(main)) is not None:
                    return stored
            refs = await self.store.race_index()
            return await self.store.latest_race(refs[0].id) if refs else None
        found = lookup(await self.store.race_index(), query)
        if len(found) == 1:
            return await self.store.latest_race(found[0].id)
        return found or None

    async def _race_or_reply(self, args: list[str], r: Renderer) -> StoredRace | Message:
        query = " ".join(args) or None
        found = await self.find_race(query)
        if isinstance(found, StoredRace):
            return found
        if query is None:
            return Message(text=r.t("reply.no_races"))
        if found:
            choices = " · ".join(f"{ref.name} ({ref.id})" for ref in found)
            return Message(text=r.t("reply.ambiguous", query=quoted(query), choices=choices))
        refs = await self.store.race_index()
        close = suggest(refs, query)
        if close:
            shown = " · ".join(f"{ref.name} ({ref.id})" for ref in close)
            return Message(text=r.t("reply.unknown_race_close", query=quoted(query), races=shown))
        shown = ", ".join(ref.id for ref in refs[:MAX_CHOICES]) or "—"
        return Message(text=r.t("reply.unknown_race", query=quoted(query), races=shown))

    def unknown(self, name: str, r: Renderer) -> Message:
        """Return the reply to a command this bot does not run."""
        return Message(text=r.t("reply.unknown_command", command=quoted("/" + name)))

    async def on_admin(self, name: str, req: Request, args: list[str], r: Renderer) -> Message:
        """Run an admin command through bot.admin (Commands has checked the chat)."""
        if self.admin is None:  # Commands offers admin commands only with an Admin
            return self.unknown(name, r)
        return await self.admin.handle(name, args, req.text, r, command=req.command_key)

    async def on_results(self, req: Request, args: list[str], r: Renderer) -> Message:
        """Answer /results [race]: the standings, with a chart where the chat takes them."""
        found = await self._race_or_reply(args, r)
        if isinstance(found, Message):
            return found
        if not found.race.has_results:
            return Message(text=r.t("reply.no_data", race=found.race.name))
        reply = self._for_race(r, found).results(found.race, found.updated_at, found.flagged)
        if self.charts is not None and "results" in await self._chart_kinds(req):
            label = self.display.label(found.source)
            image = await self.charts.image(found.race, found.updated_at, r.style.locale, label)
            reply = reply.with_image(image)
        return reply

    async def _chart_kinds(self, req: Request) -> tuple[str, ...]:
        assert self.charts is not None
        stored = await self.store.settings(setting_key(req.platform, req.chat_id))
        return self.charts.kinds(req.platform, req.chat_id, stored)

    async def on_charts(self, req: Request, args: list[str], r: Renderer) -> Message:
        """Answer /charts [on|off|kinds]: show, or set, which messages carry a chart."""
        if self.charts is None:
            return self.unknown("charts", r)
        words = [fold(a) for a in args]
        if words:
            if not req.can_manage:
                return refusal(r, "reply.charts_not_admin", req)
            kinds = _chart_choice(words)
            if kinds is None:
                return Message(text=r.t("reply.charts_usage"))
            await self.store.set_setting(setting_key(req.platform, req.chat_id), ",".join(kinds))
        names = [r.t(f"kind.{kind}") for kind in await self._chart_kinds(req)]
        shown = ", ".join(names) or r.t("reply.charts_none")
        return Message(text=r.t("reply.charts_state", kinds=shown))

    async def on_live(self, req: Request, args: list[str], r: Renderer) -> Message:
        """Answer /live on [race] | off: start or stop the chat's pinned scoreboard."""
        if self.live is None:
            return self.unknown("live", r)
        if not args or fold(args[0]) not in {"on", "off"}:
            return Message(text=r.t("reply.live_usage"))
        if not req.can_manage:
            return refusal(r, "reply.live_not_admin", req)
        if fold(args[0]) == "off":
            stopped = await self.live.disable(req.platform, req.chat_id)
            return Message(text=r.t("reply.live_off" if stopped else "reply.live_none"))
        found = await self._race_or_reply(args[1:], r)
        if isinstance(found, Message):
            return found
        await self.live.enable(req.platform, req.chat_id, found.race.id, r.style.locale)
        return Message(text=r.t("reply.live_on", race=found.race.name))

    async def on_turnout(self, req: Request, args: list[str], r: Renderer) -> Message:
        """Answer /turnout [race]: voters and turnout, against the previous round."""
        found = await self._race_or_reply(args, r)
        if isinstance(found, Message):
            return found
        prev = self.rules.previous_round(found.race.id)
        return self._for_race(r, found).turnout(found.race, found.updated_at, prev, found.flagged)

    async def on_races(self, req: Request, args: list[str], r: Renderer) -> Message:
        """Answer /races: every race in the store, with how far its count is."""
        races = await self.store.races()
        if not races:
            return Message(text=r.t("reply.no_races"))
        lines = [r.t("reply.races")] + [_race_line(r, s.race) for s in races]
        return Message(text="\n".join(lines))

    async def on_subscribe(self, req: Request, args: list[str], r: Renderer) -> Message:
        """Answer /subscribe [race|zone place|all] [fr|en]: the chat gets the alerts."""
        if not req.can_manage:
            return refusal(r, "reply.not_admin", req)
        locale = r.style.locale
        if args and args[-1].lower() in LOCALES:
            locale = args.pop().lower()
        elif args and len(args[-1]) == 2 and args[-1].isalpha() and len(args) > 1:
            return Message(text=r.t("reply.bad_locale", locale=quoted(args[-1])))
        targets = await self._targets(args, r)
        if isinstance(targets, Message):
            return targets
        for race in targets:
            await self.store.subscribe(
                Subscription(platform=req.platform, chat_id=req.chat_id, race=race, locale=locale)
            )
        r2 = Renderer(Style(locale=locale, tz=r.style.tz, markup=r.style.markup))
        shown = ", ".join(t.replace(AREA_PREFIX, "zone ", 1) for t in targets)
        return Message(text=r2.t("reply.subscribed", race=shown, locale=locale))

    async def _targets(self, args: list[str], r: Renderer) -> list[str] | Message:
        if not args:
            return list(self.main_races) or [EVERYTHING]
        query = fold(" ".join(args))
        if args == [EVERYTHING] or query in {"all", "tout", "toutes"}:
            return [EVERYTHING]
        if fold(args[0]) in AREA_WORDS and len(args) > 1:
            area = await self._race_or_reply(args[1:], r)
            if isinstance(area, Message):
                return area
            return [area_key(area.race.code or area.race.id)]
        # A configured race can be subscribed to before its first figures are out.
        known = next((race for race in self.main_races if fold(race) == query), None)
        if known is not None:
            return [known]
        found = await self._race_or_reply(args, r)
        return found if isinstance(found, Message) else [found.race.id]

    async def on_unsubscribe(self, req: Request, args: list[str], r: Renderer) -> Message:
        """Answer /unsubscribe [race]: the chat stops getting a race's alerts, or all."""
        if not req.can_manage:
            return refusal(r, "reply.not_admin", req)
        race: str | None = None
        if args:
            found = await self._race_or_reply(args, r)
            if isinstance(found, Message):
                return found
            race = found.race.id
        count = await self.store.unsubscribe(req.platform, req.chat_id, race)
        return Message(text=r.t("reply.unsubscribed", count=count))


def refusal(r: Renderer, key: str, req: Request, **values: str) -> Message:
    """Return the reply that refuses a command to one who may not manage the chat, saying
    who may on the chat's platform."""
    who = f"reply.who_{req.platform}"
    who = who if who in CATALOGS[r.style.locale] else "reply.who_other"
    return Message(text=r.t(key, who=r.t(who), **values))


def quoted(text: str) -> str:
    """Return a chat's argument as a reply quotes it: at most MAX_QUOTED characters, then "…"
    (a 4,000-character argument came back over three messages)."""
    return text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED] + "…"


def _chart_choice(words: list[str]) -> tuple[str, ...] | None:
    """Return the chart kinds that folded words choose, or None when they are not a choice."""
    if words == ["on"]:
        return CHART_KINDS
    if words == ["off"]:
        return ()
    if all(w in CHART_WORDS for w in words):
        return tuple(k for k in CHART_KINDS if k in {CHART_WORDS[w] for w in words})
    return None


def _race_line(r: Renderer, race: Race) -> str:
    """Return a race's line in /races: its name, its id and its progress in its unit, or no
    progress where there is none to tell (a totals file, a single commune)."""
    progress = r.progress(race)
    if progress is None:
        return r.t("reply.race_line_bare", name=race.name, id=race.id)
    return r.t("reply.race_line", name=race.name, id=race.id, progress=progress)
