"""Configuration: a TOML file read into frozen records; every error names its key."""

from __future__ import annotations

import math
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
from bot.formats.limits import DEFAULT_MAX_FUTURE
from bot.formats.registry import PARSERS
from bot.logs import redact_url
from bot.platforms import NAMES as PLATFORMS  # bot/platforms.py's table, in its order
from bot.render.text import LOCALES
from bot.rules import DEFAULT_REPORTING_STEPS, Rules

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "demo.toml"
# What may carry a results chart: /results replies, and these announcements.
CHART_KINDS = ("results", "reporting_threshold", "final")
CHART_THEMES = ("light", "dark")
MAX_FUTURE_BOUND = 366 * 86_400.0  # a source's max_future: at most a year


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
    """Read and validate a config file, or raise ConfigError naming the bad key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return _build(Reader(path, data), path)


def _build(r: Reader, path: Path) -> Config:
    d = r.data
    locale = r.pick(d, "", "locale", str, "fr")
    if locale not in LOCALES:
        raise r.fail("locale", locale, f"expected one of {', '.join(LOCALES)}")
    timezone = r.pick(d, "", "timezone", str, "Europe/Paris")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise r.fail("timezone", timezone, "unknown time zone") from exc
    sources = _sources(r, path)
    # $SOIREE_DB is relative to where you are; the config's `db` to the config file.
    env_db = os.environ.get("SOIREE_DB")
    db = Path(r.pick(d, "", "db", str, "soiree.db"))
    if env_db:
        db = Path(env_db) if env_db == ":memory:" else Path(env_db).resolve()
    return Config(
        path=path,
        locale=locale,
        timezone=timezone,
        db=db if db.is_absolute() or str(db) == ":memory:" else path.parent / db,
        database_url=_database_url(r),
        main_races=r.strings(d, "", "main_races", []),
        dispatch_interval=r.number(d, "", "dispatch_interval", 1.0, strict=True),
        staging=r.pick(d, "", "staging", bool, False),
        digest_max=int(r.number(d, "", "digest_max", 10, low=1, high=50)),
        window_start=_moment(r, d, "window_start"),
        window_end=_moment(r, d, "window_end"),
        live_interval=r.number(d, "", "live_interval", 10.0, strict=True),
        lease=r.number(d, "", "lease", 10.0, strict=True),
        lease_renewal=r.number(d, "", "lease_renewal", 3.0, strict=True),
        charts=_charts(r),
        rules=_rules(r),
        sources=sources,
        chats=_chats(r, locale),
        slack_managers=_slack_managers(r),
        telegram_media_chat=_telegram_media_chat(r),
    )


def _database_url(r: Reader) -> str | None:
    """Return the PostgreSQL URL: $SOIREE_DATABASE_URL, else the config's database_url,
    which may name no password (it comes from the environment or a .pgpass)."""
    url = os.environ.get("SOIREE_DATABASE_URL") or None
    from_config = r.pick(r.data, "", "database_url", str)
    where = "$SOIREE_DATABASE_URL" if url else "database_url"
    url = url or from_config
    if url is None:
        return None
    if not url.startswith(("postgresql://", "postgres://")):
        raise r.fail(where, redact_url(url), "expected a postgresql:// URL")
    if not os.environ.get("SOIREE_DATABASE_URL") and urlsplit(url).password:
        raise r.fail(where, redact_url(url), "no password in the config file: give it in "
                     "$PGPASSWORD, a .pgpass file or $SOIREE_DATABASE_URL")  # fmt: skip
    return url


def _moment(r: Reader, table: dict[str, Any], key: str) -> datetime | None:
    value: datetime | None = r.pick(table, "", key, datetime)
    if value is not None and value.tzinfo is None:
        raise r.fail(key, value.isoformat(), "needs a UTC offset (e.g. +01:00)")
    return value


def _rules(r: Reader) -> Rules:
    t = r.pick(r.data, "", "rules", dict, {})
    p = "rules."
    prev = r.pick(t, p, "previous_round_voters", dict, {})
    for race, voters in prev.items():
        if isinstance(voters, bool) or not isinstance(voters, int) or voters <= 0:
            raise r.fail(f"{p}previous_round_voters.{race}", voters, "expected a positive integer")
    steps = r.numbers(t, p, "reporting_steps", DEFAULT_REPORTING_STEPS, int)
    if any(s > 100 for s in steps):
        raise r.fail(f"{p}reporting_steps", list(steps), "steps are percentages, at most 100")
    return Rules(
        reporting_steps=tuple(sorted(steps)),
        candidate_levels=tuple(
            sorted(float(x) for x in _percentages(r, t, p, "candidate_levels", (50,)))
        ),
        hysteresis=r.number(t, p, "hysteresis", 0.5, high=100),
        turnout_voters=tuple(sorted(r.numbers(t, p, "turnout_voters", (), int))),
        turnout_participation=tuple(
            sorted(float(x) for x in _percentages(r, t, p, "turnout_participation", ()))
        ),
        previous_round_voters=tuple(sorted(prev.items())),
        share_tolerance=r.number(t, p, "share_tolerance", 0.1, high=100),
        republication_growth=r.number(t, p, "republication_growth", 10.0, strict=True),
    )


def _percentages(
    r: Reader, t: dict[str, Any], p: str, key: str, default: tuple[float, ...]
) -> tuple[float, ...]:
    values = r.numbers(t, p, key, default)
    for i, v in enumerate(values):
        if not math.isfinite(v) or v > 100:
            raise r.fail(f"{p}{key}[{i}]", v, "a percentage, at most 100")
    return values


def _sources(r: Reader, path: Path) -> tuple[SourceConfig, ...]:
    items = r.pick(r.data, "", "sources", list, required=True)
    if not items:
        raise r.fail("sources", items, "at least one source is needed")
    out = [
        source
        for i, item in enumerate(items)
        for source in _expand(r, path, item, f"sources[{i}].")
    ]
    ids = [s.id for s in out]
    dup = next((i for i in ids if ids.count(i) > 1), None)
    if dup is not None:
        raise r.fail("sources[].id", dup, "source ids must be unique")
    return tuple(out)


def _expand(r: Reader, path: Path, t: Any, p: str) -> list[SourceConfig]:
    """Return one source per URL of `urls` (e.g. the FE file plus département files)."""
    if not isinstance(t, dict):
        raise r.fail(p.rstrip("."), t, "expected a table")
    if "urls" not in t:
        return [_source(r, path, t, p)]
    other = next((k for k in ("url", "path", "replay") if k in t), None)
    if other is not None:  # each of urls' sources would silently take its url over `other`
        raise ConfigError(
            f"{r.origin}: {p.rstrip('.')}: both urls and {other} given: give exactly one of "
            "url, urls, path, replay"
        )
    urls = r.pick(t, p, "urls", list)
    if not urls or any(not isinstance(u, str) for u in urls):
        raise r.fail(f"{p}urls", urls, "expected a non-empty list of URLs")
    base = {k: v for k, v in t.items() if k != "urls"}
    ident = r.pick(t, p, "id", str, required=True)
    return [
        _source(r, path, {**base, "url": url, "id": f"{ident}:{n}"}, f"{p}urls[{n}] ")
        for n, url in enumerate(urls)
    ]


def _source(r: Reader, path: Path, t: dict[str, Any], p: str) -> SourceConfig:
    fmt = r.pick(t, p, "format", str, "canonical-json")
    if fmt not in PARSERS:
        raise r.fail(f"{p}format", fmt, f"expected one of {', '.join(sorted(PARSERS))}")
    where = [k for k in ("url", "path", "replay") if k in t]
    if len(where) != 1:
        raise ConfigError(
            f"{r.origin}: {p.rstrip('. ')}: give exactly one of url, urls, path, replay"
        )
    url = r.pick(t, p, "url", str)
    if url is not None and not url.startswith(("http://", "https://")):
        raise r.fail(f"{p}url", url, "expected an http:// or https:// URL")
    file = r.pick(t, p, "path", str)
    replay = [path.parent / f for f in r.strings(t, p, "replay", [])]
    for i, f in enumerate(replay):
        if not f.is_file():
            raise r.fail(f"{p}replay[{i}]", str(f), "file not found")
    return SourceConfig(
        id=r.pick(t, p, "id", str, required=True),
        format=fmt,
        label=r.pick(t, p, "label", str),
        url=url,
        path=path.parent / file if file else None,
        replay=tuple(replay),
        interval=r.number(t, p, "interval", 60.0, strict=True),
        timeout=r.number(t, p, "timeout", 10.0, strict=True),
        max_bytes=int(r.number(t, p, "max_bytes", 20_000_000, low=1)),
        stale_after=r.number(t, p, "stale_after", 900.0, strict=True),
        max_future=r.number(t, p, "max_future", DEFAULT_MAX_FUTURE, high=MAX_FUTURE_BOUND),
        options=_options(r, t, p, fmt),
        index=_index(r, t, p, fmt, url),
    )


def _index(r: Reader, t: dict[str, Any], p: str, fmt: str, url: str | None) -> str | None:
    """Return the URL of the Ministry index a source follows, if it names one."""
    index: str | None = r.pick(t, p, "index", str)
    if index is None:
        return None
    if not index.startswith(("http://", "https://")):
        raise r.fail(f"{p}index", index, "expected the http:// or https:// URL of index.xml")
    if fmt != "fr-interior-xml" or url is None:
        raise r.fail(f"{p}index", index, 'only a format = "fr-interior-xml" source with url '
                     "or urls follows an index")  # fmt: skip
    return index


def _options(r: Reader, t: dict[str, Any], p: str, fmt: str) -> dict[str, Any]:
    options: dict[str, Any] = r.pick(t, p, "options", dict, {})
    errors = PARSERS[fmt].check(options)
    if errors:
        raise ConfigError(f"{r.origin}: {p}options.{errors[0]}")
    return options


def _chats(r: Reader, default_locale: str) -> tuple[ChatConfig, ...]:
    out = []
    for i, t in enumerate(r.pick(r.data, "", "chats", list, [])):
        p = f"chats[{i}]."
        if not isinstance(t, dict):
            raise r.fail(p.rstrip("."), t, "expected a table")
        platform = r.pick(t, p, "platform", str, required=True)
        if platform not in PLATFORMS:
            raise r.fail(f"{p}platform", platform, f"expected one of {', '.join(PLATFORMS)}")
        locale = r.pick(t, p, "locale", str, default_locale)
        if locale not in LOCALES:
            raise r.fail(f"{p}locale", locale, f"expected one of {', '.join(LOCALES)}")
        chat_id = r.pick(t, p, "id", (str, int), required=True)
        if platform == "telegram" and not _telegram_chat(chat_id):
            raise r.fail(f"{p}id", chat_id, TELEGRAM_CHAT)
        out.append(
            ChatConfig(
                platform=platform,
                id=str(chat_id),
                locale=locale,
                races=r.strings(t, p, "races", ["*"]),
                admin=r.pick(t, p, "admin", bool, False),
                charts=_chart_kinds(r, t, p, "charts") if "charts" in t else None,
            )
        )
    return tuple(out)


def _slack_managers(r: Reader) -> tuple[str, ...]:
    t = r.pick(r.data, "", "slack", dict, {})
    managers = r.strings(t, "slack.", "managers", [])
    for i, who in enumerate(managers):
        if not re.fullmatch(r"[UWS][A-Z0-9]+", who):
            raise r.fail(f"slack.managers[{i}]", who, "expected a user id (U…, W…) or a user "
                         "group's id (S…)")  # fmt: skip
    return managers


TELEGRAM_CHAT = 'expected a chat id (-100…) or a public channel\'s "@name"'


def _telegram_chat(chat_id: object) -> bool:
    """Say whether a value names a Telegram chat: a numeric id, or a channel's @username."""
    text = str(chat_id)
    return bool(re.fullmatch(r"-?\d+|@[A-Za-z][A-Za-z0-9_]{3,31}", text))


def _telegram_media_chat(r: Reader) -> str | None:
    t = r.pick(r.data, "", "telegram", dict, {})
    chat = r.pick(t, "telegram.", "media_chat", (str, int))
    if chat is not None and not _telegram_chat(chat):
        raise r.fail("telegram.media_chat", chat, TELEGRAM_CHAT)
    return None if chat is None else str(chat)


def _charts(r: Reader) -> ChartsConfig:
    t = r.pick(r.data, "", "charts", dict, {})
    p = "charts."
    theme = r.pick(t, p, "theme", str, "light")
    if theme not in CHART_THEMES:
        raise r.fail(f"{p}theme", theme, f"expected one of {', '.join(CHART_THEMES)}")
    colours = r.pick(t, p, "colours", dict, {})
    for candidate, colour in colours.items():
        if not isinstance(colour, str) or not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
            raise r.fail(f"{p}colours.{candidate}", colour, 'expected a colour like "#E4003B"')
    return ChartsConfig(
        send_with=_chart_kinds(r, t, p, "send_with") if "send_with" in t else CHART_KINDS,
        theme=theme,
        colours=tuple(sorted(colours.items())),
    )


def _chart_kinds(r: Reader, t: dict[str, Any], p: str, key: str) -> tuple[str, ...]:
    kinds = r.strings(t, p, key, [])
    for i, kind in enumerate(kinds):
        if kind not in CHART_KINDS:
            raise r.fail(f"{p}{key}[{i}]", kind, f"expected any of {', '.join(CHART_KINDS)}")
    return kinds
