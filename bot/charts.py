"""The chart service: draws results charts off the event loop and remembers recent ones."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, tzinfo

from bot import heap
from bot.config import CHART_KINDS, ChartsConfig, ChatConfig
from bot.events import CaughtUp, Event, ReportingThresholdCrossed, ResultDeclaredFinal
from bot.models import Race
from bot.render.chart import ChartStyle, alt_text, render_png
from bot.render.message import Image

log = logging.getLogger(__name__)

CACHE_SIZE = 64  # charts kept: a few races × two locales × the last versions
# Charts drawn for one feed version at most. A département file where hundreds of communes
# cross a step at once must not hold the announcements while it draws: past this, the
# alerts go as text.
MAX_PER_VERSION = 12
DRAW_TIMEOUT = 10.0  # seconds; a stuck drawing must not hold the feed cycle
SETTING_PREFIX = "charts/"


def setting_key(platform: str, chat_id: str) -> str:
    """Return the settings key of a chat's chart choice."""
    return f"{SETTING_PREFIX}{platform}/{chat_id}"


def parse_kinds(value: str) -> tuple[str, ...]:
    """Read a stored chart choice ("results,final"; "" for none)."""
    return tuple(k for k in value.split(",") if k in CHART_KINDS)


class Charts:
    """Draws one chart at a time in a worker thread; a drawing that fails costs the chart,
    never the message."""

    def __init__(
        self, defaults: ChartsConfig, tz: tzinfo, chats: Sequence[ChatConfig] = ()
    ) -> None:
        self.defaults, self.tz = defaults, tz  # the [charts] table, the display time zone
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart")
        self._cache: OrderedDict[tuple[Race, datetime, ChartStyle], Image] = OrderedDict()
        self._drawing: dict[tuple[Race, datetime, ChartStyle], asyncio.Future[Image | None]] = {}
        self.drawn = 0  # charts actually drawn (the rest came from the cache)
        # Looked up for every chat of every announcement: a scan of 10,000 [[chats]] each
        # time was a hot spot of a large version.
        self._chats = {(c.platform, c.id): c for c in reversed(chats)}

    def style(self, locale: str, source: str | None) -> ChartStyle:
        """Return the chart style for a locale, from the [charts] config."""
        c = self.defaults
        return ChartStyle(
            locale=locale, tz=self.tz, theme=c.theme, colours=c.colours, source=source
        )

    async def image(
        self, race: Race, at: datetime, locale: str, source: str | None = None
    ) -> Image | None:
        """Return the chart of a race as it stood at `at`, or None (no figures; a failure)."""
        if not race.has_results:
            return None
        key = (race, at, self.style(locale, source))
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        # Chats asking at once for the same chart wait for one drawing.
        drawing = self._drawing.get(key)
        if drawing is None:
            drawing = asyncio.ensure_future(self._draw(key))
            self._drawing[key] = drawing
            drawing.add_done_callback(lambda _: self._drawing.pop(key, None))
        return await asyncio.shield(drawing)

    async def _draw(self, key: tuple[Race, datetime, ChartStyle]) -> Image | None:
        race, __, style = key
        loop = asyncio.get_running_loop()
        drawn = loop.run_in_executor(self._executor, render_png, *key)
        # Then the canvas's megabytes go back to the system, in the chart thread once the
        # drawing is in hand: not on the alert's path.
        self._executor.submit(heap.trim)
        try:
            data = await asyncio.wait_for(drawn, DRAW_TIMEOUT)
        except TimeoutError:
            log.error("chart of %s took over %g s; the message goes without it", race.id,
                      DRAW_TIMEOUT)  # fmt: skip
            return None
        except Exception:
            log.exception("chart of %s could not be drawn; the message goes without it", race.id)
            return None
        self.drawn += 1
        image = Image.of(data, alt_text(race, style))
        self._cache[key] = image
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return image

    def wanted(self) -> bool:
        """Say whether the config gives any chat charts: the [charts] default, or a chat's
        [[chats]] entry (a chat's /charts choice is read only when it is told)."""
        return bool(self.defaults.send_with) or any(c.charts for c in self._chats.values())

    async def warm(self) -> None:
        """Load Pillow and the fonts in the worker now, so that the first chart of the night
        is quick; a config that gives no chat charts leaves them to the first chart a chat
        asks for (/charts)."""
        if not self.wanted():
            return
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, _load_renderer)
        except Exception:
            log.exception("the charts' renderer could not be loaded: messages will go "
                          "without charts")  # fmt: skip

    def close(self) -> None:
        """Stop the worker thread."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def kinds(self, platform: str, chat_id: str, stored: Mapping[str, str]) -> tuple[str, ...]:
        """Return what carries a chart in a chat: its /charts choice, else its [[chats]]
        entry, else the [charts] default. `stored` holds the chats' /charts choices.

        The console, which shows no pictures, draws charts only when asked to (`charts` in
        its [[chats]] entry, as in the demo, or /charts): it follows every race, and would
        otherwise spend each version's chart budget on files nobody opens."""
        choice = stored.get(setting_key(platform, chat_id))
        if choice is not None:
            return parse_kinds(choice)
        chat = self._chats.get((platform, chat_id))
        if chat is not None and chat.charts is not None:
            return chat.charts
        return () if platform == "console" else self.defaults.send_with


class Budget:
    """The charts of one feed version: which chats want one, and at most `most` drawn."""

    def __init__(
        self, charts: Charts | None, chosen: Mapping[str, str], label: str | None,
        most: int = MAX_PER_VERSION,
    ) -> None:  # fmt: skip
        self.charts, self.chosen, self.label, self.most = charts, chosen, label, most
        self._drawn: set[tuple[str, datetime, str]] = set()
        self.refused = 0

    def wants(self, event: Event, platform: str, chat_id: str) -> bool:
        """Return True when this chat takes a chart with this announcement."""
        kind = chart_kind(event)
        return (
            self.charts is not None
            and kind is not None
            and kind in self.charts.kinds(platform, chat_id, self.chosen)
        )

    async def image(self, event: Event, locale: str) -> Image | None:
        """Return the chart of the event's race, unless this version drew enough already."""
        assert self.charts is not None
        key = (event.race.id, event.at, locale)
        if key not in self._drawn:
            if len(self._drawn) >= self.most:
                if not self.refused:
                    log.warning("more than %d charts in one version: the rest go as text",
                                self.most)  # fmt: skip
                self.refused += 1
                return None
            self._drawn.add(key)
        return await self.charts.image(event.race, event.at, locale, self.label)


@functools.cache  # once a process: what it loads is the process's
def _load_renderer() -> None:
    """Import Pillow and draw a chart nobody sees: the first drawing of a process loads
    the fonts at each size (bench.latency, P1: the night's first chart was the slowest
    alert of every run)."""
    from bot.render import chart

    bar = chart.Bar(label="Soirée", share=50.0, colour=chart.PALETTE[0])
    plan = chart.Layout(
        title="Soirée", progress="0", progress_pct=50.0, footer="Soirée", bars=(bar,),
        share_labels=("50 %",), majority=50.0, majority_label="50 %",
    )  # fmt: skip
    chart.draw(plan, chart.THEMES["light"])


def chart_kind(event: Event) -> str | None:
    """Return which chart choice an announcement falls under, if any."""
    if isinstance(event, ReportingThresholdCrossed):
        return "reporting_threshold"
    if isinstance(event, ResultDeclaredFinal):
        return "final"
    if isinstance(event, CaughtUp) and any(k.endswith(":final") for k in event.covers):
        return "final"
    return None
