"""The config file's schema, as written: one msgspec Struct per table, each refusing unknown
keys, each value's kind and bounds declared once. bot/config.py checks what spans keys
(choices from other modules' tables, files on disk, chat ids by platform) and builds the
frozen records the bot runs on.

To add a key: give its table's Struct a field with its type, its bounds (`Meta`) and its
default; name it in `required` when it has no default; then carry it into bot/config.py's
record. Unknown keys, wrong kinds and bounds are then reported in the file's own words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, get_args

from msgspec import Meta, Struct

from bot.formats.limits import DEFAULT_MAX_FUTURE
from bot.rules import DEFAULT_REPORTING_STEPS

ChartKind = Literal["results", "reporting_threshold", "final"]
ChartTheme = Literal["light", "dark"]
CHART_KINDS: tuple[str, ...] = get_args(ChartKind)  # what may carry a results chart
CHART_THEMES: tuple[str, ...] = get_args(ChartTheme)
A_YEAR = 366 * 86_400.0
MAX_FUTURE_BOUND = A_YEAR  # a source's max_future: at most a year

# A bound keeps out inf, and NaN, which no bound admits.
Seconds = Annotated[float, Meta(gt=0, le=A_YEAR, description="a number of seconds above 0")]
Growth = Annotated[float, Meta(gt=0, le=1e9, description="a percentage above 0")]
Points = Annotated[float, Meta(ge=0, le=100)]  # percentage points
Percentage = Annotated[float, Meta(ge=0, le=100)]
Step = Annotated[int, Meta(ge=0, le=100)]
Count = Annotated[int, Meta(ge=0)]
Text = Annotated[str, Meta(min_length=1)]
Moment = Annotated[datetime, Meta(tz=True)]
Colour = Annotated[str, Meta(pattern=r"^#[0-9A-Fa-f]{6}$", description='a colour like "#E4003B"')]
SlackManager = Annotated[
    str,
    Meta(pattern=r"^[UWS][A-Z0-9]+$", description="a user id (U…, W…) or a user group's id (S…)"),
]


class Table(Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """A TOML table: unknown keys are errors. Every field has a default, so that a table
    with a bad value still yields the rest; `required` names those the file must give."""

    required: ClassVar[tuple[str, ...]] = ()


class PreviousRoundFile(Table, frozen=True):
    """[rules.previous_round]: the previous round's files, in any supported format, that
    races are compared with by id (turnout like for like, each candidate's change)."""

    required: ClassVar[tuple[str, ...]] = ("format",)
    format: Text = ""
    files: tuple[Text, ...] = ()  # relative to the config file
    urls: tuple[Text, ...] = ()  # fetched once at start
    options: dict[str, Any] = {}


class RulesFile(Table, frozen=True):
    """[rules]: the thresholds the diff announces, and the anomaly checks' tolerances."""

    reporting_steps: tuple[Step, ...] = DEFAULT_REPORTING_STEPS
    candidate_levels: tuple[Percentage, ...] = (50.0,)
    hysteresis: Points = 0.5
    turnout_voters: tuple[Count, ...] = ()
    turnout_participation: tuple[Percentage, ...] = ()
    previous_round_voters: dict[Text, Annotated[int, Meta(gt=0)]] = {}
    previous_round: PreviousRoundFile | None = None
    trend_points: Points = 2.0  # turnout up or down on the previous round, like for like
    trend_percent: Growth = 5.0
    trend_min_counted: Percentage = 50.0  # % of units counted before a pro rata trend
    margins: tuple[Annotated[float, Meta(gt=0, le=100)], ...] = ()  # points between the two
    margin_votes: tuple[Annotated[int, Meta(gt=0)], ...] = ()
    ties: bool = False  # tell an exact tie at the top
    share_tolerance: Points = 0.1
    republication_growth: Growth = 10.0


class ChartsFile(Table, frozen=True):
    """[charts]: what carries a results chart by default, its theme, candidates' colours."""

    send_with: tuple[ChartKind, ...] = ("results", "reporting_threshold", "final")
    theme: ChartTheme = "light"
    colours: dict[Text, Colour] = {}


class SourceFile(Table, frozen=True):
    """[[sources]]: where one feed comes from, how often to poll it, how to read it."""

    required = ("id",)
    id: Text = ""
    format: str = "canonical-json"
    label: str | None = None
    url: str | None = None
    urls: Annotated[tuple[str, ...], Meta(min_length=1)] | None = None
    path: Text | None = None
    replay: tuple[Text, ...] | None = None
    interval: Seconds = 60.0
    timeout: Seconds = 10.0
    max_bytes: Annotated[int, Meta(ge=1)] = 20_000_000
    stale_after: Seconds = 900.0
    max_future: Annotated[float, Meta(ge=0, le=MAX_FUTURE_BOUND)] = DEFAULT_MAX_FUTURE
    options: dict[str, Any] = {}  # checked by the format's own check
    index: str | None = None


class ChatFile(Table, frozen=True):
    """[[chats]]: a chat subscribed from the file."""

    required = ("platform", "id")
    platform: str = ""
    id: Text | int = ""
    races: tuple[Text, ...] = ("*",)
    locale: str | None = None
    admin: bool = False
    charts: tuple[ChartKind, ...] | None = None


class SlackFile(Table, frozen=True):
    """[slack]: who may manage any channel's settings, besides the workspace's admins."""

    managers: tuple[SlackManager, ...] = ()


class TelegramFile(Table, frozen=True):
    """[telegram]: the chat where inline answers' charts are uploaded once."""

    media_chat: Text | int | None = None


class ConfigFile(Table, frozen=True):
    """The whole file; its top-level keys come before the first table header."""

    required = ("sources",)
    locale: str = "fr"
    timezone: str = "Europe/Paris"
    db: Text = "soiree.db"
    database_url: str | None = None
    main_races: tuple[Text, ...] = ()
    dispatch_interval: Seconds = 1.0
    staging: bool = False
    digest_max: Annotated[int, Meta(ge=1, le=50)] = 10
    window_start: Moment | None = None
    window_end: Moment | None = None
    live_interval: Seconds = 10.0
    lease: Seconds = 10.0
    lease_renewal: Seconds = 3.0
    charts: ChartsFile = ChartsFile()
    rules: RulesFile = RulesFile()
    sources: tuple[SourceFile, ...] = ()
    chats: tuple[ChatFile, ...] = ()
    slack: SlackFile = SlackFile()
    telegram: TelegramFile = TelegramFile()


# Each table's name as the file writes its header, for the errors that name where a key is.
TABLES: dict[type[Table], str] = {
    ConfigFile: "the top level",
    RulesFile: "[rules]",
    ChartsFile: "[charts]",
    SourceFile: "[[sources]]",
    ChatFile: "[[chats]]",
    SlackFile: "[slack]",
    TelegramFile: "[telegram]",
    PreviousRoundFile: "[rules.previous_round]",
}
