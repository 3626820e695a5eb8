"""How messages read: the default language, the display time zone, each source's credit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo

from bot.render.text import Style


@dataclass(frozen=True, kw_only=True, slots=True)
class Display:
    """What the pipeline, the commands, the live boards and the notices read of the config
    to word a message (bot.app.builder.display_of makes it from the config)."""

    locale: str
    tz: tzinfo
    labels: Mapping[str, str] = field(default_factory=dict)  # source id -> credited label

    def label(self, source_id: str) -> str | None:
        """Return the label credited for a source, if it has one."""
        return self.labels.get(source_id)

    def style(self, locale: str, markup: str, source: str | None = None) -> Style:
        """Return the rendering style for a locale and markup, in the display time zone."""
        return Style(locale=locale, tz=self.tz, markup=markup, source=source)
