"""Configuration: a TOML file read through its schema (bot/config_schema.py) into frozen
records; every problem of a file is listed at once, each naming its key."""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config_reader import ConfigError as ConfigError  # re-exported: raised by load()
from bot.config_reader import Reader
from bot.config_schema import CHART_KINDS as CHART_KINDS  # re-exported, with the themes
from bot.config_schema import CHART_THEMES as CHART_THEMES
from bot.config_schema import ChatFile, ConfigFile, RulesFile, SourceFile
from bot.formats.limits import DEFAULT_MAX_FUTURE
from bot.formats.registry import PARSERS
from bot.logs import redact_url
from bot.platforms import NAMES as PLATFORMS  # bot/platforms.py's table, in its order
from bot.previous import rounds_of
from bot.render.text import LOCALES
from bot.rules import Rules

log = logging.getLogger(__name__)

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "demo.toml"


@dataclass(frozen=True, kw_only=True, slots=True)
class SourceConfig:
    """Where one feed comes from and how often to poll it."""

    id: str
    format: str
    label: str | None = None
    url: str | None = None
    path: Path | None = None
    replay: tuple[Path, ...] = ()
    interval: float = 60.0
    timeout: float = 10.0
    max_bytes: int = 20_000_000
    stale_after: float = 900.0
    max_future: float = DEFAULT_MAX_FUTURE  # seconds a data time may be past the fetch
    options: Mapping[str, Any] = field(default_factory=dict)
    index: str | None = None  # the Ministry's index.xml: fetch the file only when it moved

    @property
    def kind(self) -> str:
        """Return "http", "file" or "replay"."""
        return "http" if self.url else "file" if self.path else "replay"


@dataclass(frozen=True, kw_only=True, slots=True)
class ChatConfig:
    """A chat subscribed from the config file."""

    platform: str
    id: str
    races: tuple[str, ...] = ("*",)
    locale: str | None = None
    admin: bool = False
    charts: tuple[str, ...] | None = None  # None: the [charts] default


@dataclass(frozen=True, kw_only=True, slots=True)
class ChartsConfig:
    """Results charts: what carries one by default, their theme and candidate colours."""

    send_with: tuple[str, ...] = CHART_KINDS
    theme: str = "light"
    colours: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Config:
    """The whole configuration."""

    path: Path
    locale: str = "fr"
    timezone: str = "Europe/Paris"
    db: Path
    # A PostgreSQL database shared by several instances ($SOIREE_DATABASE_URL over the
    # config's database_url); None: the SQLite file at `db`.
    database_url: str | None = None
    main_races: tuple[str, ...] = ()
    dispatch_interval: float = 1.0
    staging: bool = False
    digest_max: int = 10
    window_start: datetime | None = None
    window_end: datetime | None = None
    live_interval: float = 10.0  # seconds between two edits of a chat's live scoreboard
    # The leader's lease on a shared PostgreSQL store, and how often it is renewed (seconds).
    lease: float = 10.0
    lease_renewal: float = 3.0
    charts: ChartsConfig = field(default_factory=ChartsConfig)
    rules: Rules
    sources: tuple[SourceConfig, ...]
    chats: tuple[ChatConfig, ...] = ()
    # Slack users (U…, W…) and user groups (S…) who may manage any channel's settings and
    # run the admin commands, besides the workspace's admins and owners.
    slack_managers: tuple[str, ...] = ()
    # A Telegram chat (a private channel, say) where charts are uploaded once, so that
    # inline answers can show them as photos; None: inline results are text.
    telegram_media_chat: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        """Return the display time zone."""
        return ZoneInfo(self.timezone)

    def source_label(self, source_id: str) -> str | None:
        """Return the label credited for a source."""
        return next((s.label for s in self.sources if s.id == source_id), None)


def load(path: Path | str) -> Config:
    """Read and validate a config file, or raise ConfigError listing every problem; its
    warnings are logged."""
    config, warnings = check(path)
    for warning in warnings:
        log.warning("%s", warning)
    return config


def check(path: Path | str) -> tuple[Config, tuple[str, ...]]:
    """Read and validate a config file; return it with its warnings (a `path` source's
    file that does not exist yet), or raise ConfigError listing every problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    r = Reader(path, data)
    config = _build(r, path, r.read())
    error = r.error()
    if error is not None:
        raise error
    return config, tuple(r.warnings)


def _build(r: Reader, path: Path, f: ConfigFile) -> Config:
    if f.locale not in LOCALES:
        r.fail("locale", f.locale, f"expected one of {', '.join(LOCALES)}")
    try:
        ZoneInfo(f.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        r.fail("timezone", f.timezone, "unknown time zone")
    # $SOIREE_DB is relative to where you are; the config's `db` to the config file.
    env_db = os.environ.get("SOIREE_DB")
    db = Path(f.db)
    if env_db:
        db = Path(env_db) if env_db == ":memory:" else Path(env_db).resolve()
    return Config(
        path=path,
        locale=f.locale,
        timezone=f.timezone,
        db=db if db.is_absolute() or str(db) == ":memory:" else path.parent / db,
        database_url=_database_url(r, f.database_url),
        main_races=f.main_races,
        dispatch_interval=f.dispatch_interval,
        staging=f.staging,
        digest_max=f.digest_max,
        window_start=f.window_start,
        window_end=f.window_end,
        live_interval=f.live_interval,
        lease=f.lease,
        lease_renewal=f.lease_renewal,
        charts=ChartsConfig(
            send_with=f.charts.send_with,
            theme=f.charts.theme,
            colours=tuple(sorted(f.charts.colours.items())),
        ),
        rules=_rules(r, path, f.rules),
        sources=_sources(r, path, f.sources),
        chats=_chats(r, f.chats, f.locale),
        slack_managers=f.slack.managers,
        telegram_media_chat=_telegram_media_chat(r, f.telegram.media_chat),
    )


def _database_url(r: Reader, from_config: str | None) -> str | None:
    """Return the PostgreSQL URL: $SOIREE_DATABASE_URL, else the config's database_url,
    which may name no password (it comes from the environment or a .pgpass)."""
    url = os.environ.get("SOIREE_DATABASE_URL") or None
    where = "$SOIREE_DATABASE_URL" if url else "database_url"
    url = url or from_config
    if url is None:
        return None
    if not url.startswith(("postgresql://", "postgres://")):
        r.fail(where, redact_url(url), "expected a postgresql:// URL")
    elif not os.environ.get("SOIREE_DATABASE_URL") and urlsplit(url).password:
        r.fail(where, redact_url(url), "no password in the config file: give it in "
               "$PGPASSWORD, a .pgpass file or $SOIREE_DATABASE_URL")  # fmt: skip
    return url


def _rules(r: Reader, path: Path, t: RulesFile) -> Rules:
    return Rules(
        reporting_steps=tuple(sorted(t.reporting_steps)),
        candidate_levels=tuple(sorted(t.candidate_levels)),
        hysteresis=t.hysteresis,
        turnout_voters=tuple(sorted(t.turnout_voters)),
        turnout_participation=tuple(sorted(t.turnout_participation)),
        previous_round_voters=tuple(sorted(t.previous_round_voters.items())),
        share_tolerance=t.share_tolerance,
        republication_growth=t.republication_growth,
        previous_rounds=rounds_of(r, path, t.previous_round),
        trend_points=t.trend_points,
        trend_percent=t.trend_percent,
        trend_min_counted=t.trend_min_counted,
        margins=tuple(sorted(t.margins)),
        margin_votes=tuple(sorted(t.margin_votes)),
        ties=t.ties,
    )


LOCATIONS = ("url", "urls", "path", "replay")  # where a source's versions come from
WEB = ("http://", "https://")


def _sources(r: Reader, path: Path, items: tuple[SourceFile, ...]) -> tuple[SourceConfig, ...]:
    if not items and not r.flagged("sources"):
        r.fail("sources", [], "at least one source is needed")
    out = []
    for i, item in enumerate(items):
        if _checked_source(r, path, item, f"sources[{i}]"):
            out += _expand(path, item)
    ids = [s.id for s in out]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        r.fail("sources[].id", dup, "source ids must be unique")
    return tuple(out)


def _checked_source(r: Reader, path: Path, s: SourceFile, p: str) -> bool:
    """Note every problem of a source; say whether it can be built (has an id and a place)."""
    if r.flagged(p):  # not even a table
        return False
    if s.format not in PARSERS:
        r.fail(f"{p}.format", s.format, f"expected one of {', '.join(sorted(PARSERS))}")
    given = [k for k in LOCATIONS if getattr(s, k) is not None or r.flagged(f"{p}.{k}")]
    if "urls" in given and len(given) > 1:  # urls' sources would silently take their url
        other = next(k for k in given if k != "urls")
        r.note(p, f"both urls and {other} given: give exactly one of {', '.join(LOCATIONS)}")
    elif len(given) != 1:
        r.note(p, f"give exactly one of {', '.join(LOCATIONS)}")
    urls = [(f"{p}.url", s.url)] if s.url else []
    urls += [(f"{p}.urls[{n}]", u) for n, u in enumerate(s.urls or ())]
    for key, url in urls:
        if not url.startswith(WEB):
            r.fail(key, url, "expected an http:// or https:// URL")
    for i, name in enumerate(s.replay or ()):
        if not (path.parent / name).is_file():
            r.fail(f"{p}.replay[{i}]", str(path.parent / name), "file not found")
    if s.path is not None:
        _check_path(r, s.path, path.parent / s.path, f"{p}.path")
    if s.format in PARSERS:
        for error in PARSERS[s.format].check(s.options):
            key, _, reason = error.partition(": ")
            r.note(f"{p}.options.{key}", reason)
    if s.index is not None:
        _check_index(r, s, p)
    return len(given) == 1 and not r.flagged(f"{p}.id") and not r.flagged(p)


def _check_path(r: Reader, written: str, file: Path, key: str) -> None:
    """A `path` source's file may appear during the night, in a folder that exists."""
    if not file.parent.is_dir():
        r.fail(key, written, f"folder {file.parent} not found")
    elif file.is_dir():
        r.fail(key, written, f"{file} is a folder, not a file")
    elif not file.exists():
        r.warn(key, f"{file} does not exist yet: Soirée will wait for it")


def _check_index(r: Reader, s: SourceFile, p: str) -> None:
    assert s.index is not None
    if not s.index.startswith(WEB):
        r.fail(f"{p}.index", s.index, "expected the http:// or https:// URL of index.xml")
    elif s.format != "fr-interior-xml" or not (s.url or s.urls):
        r.fail(f"{p}.index", s.index, 'only a format = "fr-interior-xml" source with url or '
               "urls follows an index")  # fmt: skip


def _expand(path: Path, s: SourceFile) -> list[SourceConfig]:
    """Return one source per URL of `urls` (e.g. the FE file plus département files)."""
    common: dict[str, Any] = {
        "format": s.format,
        "label": s.label,
        "path": path.parent / s.path if s.path else None,
        "replay": tuple(path.parent / f for f in s.replay or ()),
        "interval": s.interval,
        "timeout": s.timeout,
        "max_bytes": s.max_bytes,
        "stale_after": s.stale_after,
        "max_future": s.max_future,
        "options": s.options,
        "index": s.index,
    }
    if s.urls is None:
        return [SourceConfig(id=s.id, url=s.url, **common)]
    return [SourceConfig(id=f"{s.id}:{n}", url=u, **common) for n, u in enumerate(s.urls)]


TELEGRAM_CHAT = 'expected a chat id (-100…) or a public channel\'s "@name"'
# Each platform's chat ids, and what to say of another; the console takes any name.
CHAT_IDS = {
    "telegram": (r"-?\d+|@[A-Za-z][A-Za-z0-9_]{3,31}", TELEGRAM_CHAT),
    "slack": (r"[CGD][A-Z0-9]+", "expected a channel's id (C…, G…) or a direct message's "
              "(D…), not a channel's name"),
}  # fmt: skip


def _chats(r: Reader, items: tuple[ChatFile, ...], default_locale: str) -> tuple[ChatConfig, ...]:
    out = []
    for i, c in enumerate(items):
        p = f"chats[{i}]"
        if c.platform not in PLATFORMS and not r.flagged(f"{p}.platform"):
            r.fail(f"{p}.platform", c.platform, f"expected one of {', '.join(PLATFORMS)}")
        if c.locale is not None and c.locale not in LOCALES:
            r.fail(f"{p}.locale", c.locale, f"expected one of {', '.join(LOCALES)}")
        pattern, reason = CHAT_IDS.get(c.platform, (r".+", ""))
        if not r.flagged(f"{p}.id") and not re.fullmatch(pattern, str(c.id)):
            r.fail(f"{p}.id", c.id, reason)
        out.append(
            ChatConfig(
                platform=c.platform,
                id=str(c.id),
                locale=c.locale or default_locale,
                races=c.races,
                admin=c.admin,
                charts=c.charts,
            )
        )
    return tuple(out)


def _telegram_chat(chat_id: object) -> bool:
    """Say whether a value names a Telegram chat: a numeric id, or a channel's @username."""
    return bool(re.fullmatch(CHAT_IDS["telegram"][0], str(chat_id)))


def _telegram_media_chat(r: Reader, chat: str | int | None) -> str | None:
    if chat is not None and not _telegram_chat(chat):
        r.fail("telegram.media_chat", chat, TELEGRAM_CHAT)
    return None if chat is None else str(chat)
