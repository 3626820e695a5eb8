"""Configuration loading: the demo loads; every bad key is named with its file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_CONFIG, ConfigError, load

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "config" / "demo.toml"

# A minimal valid config; each bad case below edits one thing in it.
HEADER = 'locale = "fr"\ntimezone = "Europe/Paris"\n'
SOURCE = '[[sources]]\nid = "main"\nformat = "canonical-json"\nreplay = ["feed.json"]\n'


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "feed.json").write_text("{}", encoding="utf-8")
    path = tmp_path / "soiree.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the demo -----------------------------------------------------------------------------


def test_demo_is_the_default_config() -> None:
    assert DEFAULT_CONFIG.resolve() == DEMO


def test_demo_config_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOIREE_DB", raising=False)
    config = load(DEMO)

    assert config.path == DEMO
    assert config.locale == "fr"
    assert config.timezone == "Europe/Paris"
    assert str(config.tz) == "Europe/Paris"
    assert config.main_races == ("national",)
    assert config.dispatch_interval == 1.0
    # db is relative to the config file, not to the working directory.
    assert config.db == DEMO.parent / "../var/demo.db"

    (source,) = config.sources
    assert source.id == "demo"
    assert source.format == "canonical-json"
    assert source.kind == "replay"
    assert source.interval == 5.0
    assert source.label == "Haute autorité des primaires (reconstitution)"
    assert config.source_label("demo") == source.label
    assert len(source.replay) == 12
    assert source.replay[0] == DEMO.parent / "demo" / "01-19h40.json"
    assert source.replay[-1] == DEMO.parent / "demo" / "12-23h55.json"
    assert all(p.is_file() for p in source.replay)

    (chat,) = config.chats
    assert (chat.platform, chat.id, chat.races, chat.locale, chat.admin) == (
        "console",
        "console",
        ("*",),
        "fr",
        True,
    )


def test_demo_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOIREE_DB", raising=False)
    rules = load(DEMO).rules
    assert rules.reporting_steps == (10, 25, 50, 75, 90, 100)
    assert rules.candidate_levels == (50.0,)
    assert rules.hysteresis == 0.5
    assert rules.turnout_voters == (1_000_000, 2_000_000)
    assert rules.turnout_participation == ()
    assert rules.share_tolerance == 0.1
    assert rules.previous_round_voters == (("national", 1_660_000),)
    assert rules.previous_round("national") == 1_660_000
    assert rules.previous_round("elsewhere") is None


def test_replay_files_resolve_relative_to_the_config_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_dir = tmp_path / "conf"
    (config_dir / "feeds").mkdir(parents=True)
    (config_dir / "feeds" / "a.json").write_text("{}", encoding="utf-8")
    path = config_dir / "night.toml"
    path.write_text('[[sources]]\nid = "s"\nreplay = ["feeds/a.json"]\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load(path)
    assert config.sources[0].replay == (config_dir / "feeds" / "a.json",)


def test_minimal_config_takes_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOIREE_DB", raising=False)
    config = load(write(tmp_path, SOURCE))
    assert config.locale == "fr"
    assert config.timezone == "Europe/Paris"
    assert config.db == tmp_path / "soiree.db"
    assert config.chats == ()
    assert config.rules.reporting_steps == (10, 25, 50, 75, 90, 100)
    assert config.sources[0].interval == 60.0
    assert config.sources[0].max_future == 86_400.0  # a data time a day ahead, at most


def test_sources_of_each_kind(tmp_path: Path) -> None:
    text = (
        '[[sources]]\nid = "web"\nurl = "https://example.org/feed.json"\ninterval = 30\n'
        '[[sources]]\nid = "disk"\npath = "drop/feed.json"\n'
        '[[sources]]\nid = "old"\nreplay = ["feed.json"]\n'
    )
    (tmp_path / "drop").mkdir()  # the file may appear during the night, in this folder
    config = load(write(tmp_path, text))
    web, disk, old = config.sources
    assert (web.kind, web.url, web.interval) == ("http", "https://example.org/feed.json", 30.0)
    assert (disk.kind, disk.path) == ("file", tmp_path / "drop" / "feed.json")
    assert (old.kind, old.replay) == ("replay", (tmp_path / "feed.json",))


# --- bad configs --------------------------------------------------------------------------

BAD_CONFIGS = [
    pytest.param('locale = "de"\n' + SOURCE, "locale", "'de'", id="unknown-locale"),
    pytest.param(
        'timezone = "Europe/Lutece"\n' + SOURCE, "timezone", "'Europe/Lutece'", id="unknown-tz"
    ),
    pytest.param('timezone = "../../etc/passwd"\n' + SOURCE, "timezone", "passwd", id="tz-path"),
    pytest.param(HEADER, "sources", "missing", id="missing-sources"),
    pytest.param(HEADER + "sources = []\n", "sources", "[]", id="empty-sources"),
    pytest.param(
        HEADER + '[[sources]]\nid = "s"\nurl = "https://example.org/f.json"\npath = "f.json"\n',
        "sources[0]",
        "exactly one of",
        id="url-and-path",
    ),
    pytest.param(
        HEADER + '[[sources]]\nid = "s"\n', "sources[0]", "exactly one of", id="no-location"
    ),
    pytest.param(
        HEADER + '[[sources]]\nid = "s"\nformat = "xml"\nreplay = ["feed.json"]\n',
        "sources[0].format",
        "'xml'",
        id="unknown-format",
    ),
    pytest.param(
        HEADER + '[[sources]]\nid = "s"\nurl = "ftp://example.org/f.json"\n',
        "sources[0].url",
        "ftp://",
        id="bad-url-scheme",
    ),
    pytest.param(SOURCE + "interval = 0\n", "sources[0].interval", "0", id="zero-interval"),
    pytest.param(SOURCE + "interval = -5\n", "sources[0].interval", "-5", id="negative-interval"),
    pytest.param(SOURCE + "interval = nan\n", "sources[0].interval", "nan", id="nan-interval"),
    pytest.param(SOURCE + 'interval = "5s"\n', "sources[0].interval", "'5s'", id="string-interval"),
    pytest.param(
        HEADER + '[[sources]]\nid = "s"\nreplay = ["feed.json", "missing.json"]\n',
        "sources[0].replay[1]",
        "missing.json",
        id="replay-file-missing",
    ),
    pytest.param(
        HEADER + '[[sources]]\nreplay = ["feed.json"]\n', "sources[0].id", "missing", id="no-id"
    ),
    pytest.param(
        SOURCE + '[[chats]]\nplatform = "irc"\nid = "#soiree"\n',
        "chats[0].platform",
        "'irc'",
        id="bad-chat-platform",
    ),
    pytest.param(
        SOURCE + '[[chats]]\nplatform = "telegram"\nid = "-100"\nlocale = "es"\n',
        "chats[0].locale",
        "'es'",
        id="bad-chat-locale",
    ),
    pytest.param(
        SOURCE + '[[chats]]\nplatform = "telegram"\n', "chats[0].id", "missing", id="chat-no-id"
    ),
    pytest.param(
        HEADER + '[rules]\nhysteresis = "half"\n' + SOURCE,
        "rules.hysteresis",
        "'half'",
        id="hysteresis-string",
    ),
    pytest.param(
        HEADER + "[rules]\nhysteresis = true\n" + SOURCE,
        "rules.hysteresis",
        "True",
        id="hysteresis-bool",
    ),
    pytest.param(
        HEADER + "[rules]\nreporting_steps = [10, -25, 50]\n" + SOURCE,
        "rules.reporting_steps[1]",
        "-25",
        id="negative-step",
    ),
    pytest.param(
        HEADER + "[rules]\nreporting_steps = [10, 150]\n" + SOURCE,
        "rules.reporting_steps",
        "150",
        id="step-over-100",
    ),
    pytest.param(
        HEADER + "[rules]\nreporting_steps = 50\n" + SOURCE,
        "rules.reporting_steps",
        "50",
        id="steps-not-a-list",
    ),
    pytest.param(
        HEADER + "[rules.previous_round_voters]\nnational = 0\n" + SOURCE,
        "rules.previous_round_voters.national",
        "0",
        id="previous-round-zero",
    ),
    pytest.param(
        HEADER + SOURCE + '[[sources]]\nid = "main"\nurl = "https://example.org/f.json"\n',
        "sources[].id",
        "'main'",
        id="duplicate-source-ids",
    ),
    pytest.param('locale = "fr\n' + SOURCE, "not valid TOML", "", id="bad-toml"),
    pytest.param(
        HEADER + "live_interval = 0\n" + SOURCE, "live_interval", "0", id="live-interval-zero"
    ),
    pytest.param(
        HEADER + '[charts]\ntheme = "sepia"\n' + SOURCE, "charts.theme", "'sepia'", id="theme"
    ),
    pytest.param(
        HEADER + '[charts]\nsend_with = ["results", "leader"]\n' + SOURCE,
        "charts.send_with[1]",
        "'leader'",
        id="chart-kind",
    ),
    pytest.param(
        HEADER + '[charts.colours]\nhamon = "pink"\n' + SOURCE,
        "charts.colours.hamon",
        "'pink'",
        id="chart-colour",
    ),
    pytest.param(
        HEADER + SOURCE + '[[chats]]\nplatform = "telegram"\nid = 1\ncharts = ["final", 3]\n',
        "chats[0].charts[1]",
        "3",
        id="chat-chart-kinds",
    ),
]


@pytest.mark.parametrize("value", ["-1", "1e9", "nan", '"1h"'])
def test_max_future_is_a_bounded_number_of_seconds(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, SOURCE + f"max_future = {value}\n")
    with pytest.raises(ConfigError, match=r"sources\[0\]\.max_future"):
        load(path)
    assert load(write(tmp_path, SOURCE + "max_future = 0\n")).sources[0].max_future == 0


@pytest.mark.parametrize(("text", "key", "value"), BAD_CONFIGS)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, key: str, value: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {key}"), message
    assert value in message, message


def test_chart_settings_load(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + 'live_interval = 4\n[charts]\nsend_with = ["final"]\ntheme = "dark"\n'
        '[charts.colours]\nvalls = "#1565C0"\nhamon = "#C2185B"\n' + SOURCE
        + '[[chats]]\nplatform = "telegram"\nid = 1\ncharts = []\n'
        '[[chats]]\nplatform = "telegram"\nid = 2\n',
    )  # fmt: skip
    config = load(path)
    assert config.live_interval == 4
    assert config.charts.send_with == ("final",)
    assert config.charts.theme == "dark"
    assert config.charts.colours == (("hamon", "#C2185B"), ("valls", "#1565C0"))
    assert [c.charts for c in config.chats] == [(), None]  # none here; the default there


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError, match="file not found") as info:
        load(path)
    assert str(path) in str(info.value)


# --- python -m bot check-config -----------------------------------------------------------


def check_config(path: Path, *more: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "check-config", str(path), *more],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_config_accepts_the_demo() -> None:
    result = check_config(DEMO)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout
    assert "1 source(s)" in result.stdout


def test_check_config_rejects_a_bad_file_naming_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "[rules]\nreporting_steps = [10, 150]\n" + SOURCE)
    result = check_config(path)
    assert result.returncode == 2
    assert "rules.reporting_steps" in result.stderr
    assert str(path) in result.stderr
    assert "OK" not in result.stdout


@pytest.mark.parametrize("other", ['url = "https://example.test/FE.json"', 'path = "feed.json"'])
def test_check_config_rejects_urls_with_another_place(tmp_path: Path, other: str) -> None:
    key = other.split()[0]
    path = write(
        tmp_path, f'[[sources]]\nid = "pr"\nurls = ["https://example.test/075.json"]\n{other}\n'
    )
    result = check_config(path)
    assert result.returncode == 2
    assert f"sources[0]: both urls and {key} given" in result.stderr
    assert "OK" not in result.stdout


# Each mistake of issue 17's list, in one file: check-config names them all in one run.
EVERY_MISTAKE = """
lcoale = "en"

[rules]
candidate_level = [60]

[[sources]]
id = "web"
timezone = "Europe/Paris"
intervall = 30
url = "https://example.test/FE.json"
urls = ["https://example.test/075.json"]

[[sources]]
id = "drop"
path = "nowhere/feed.json"

[[chats]]
platform = "telegram"
id = "mygroup"

[[chats]]
platform = "slack"
id = "#general"
"""


def test_check_config_names_every_mistake_of_a_file_in_one_run(tmp_path: Path) -> None:
    path = write(tmp_path, EVERY_MISTAKE)
    result = check_config(path)
    assert result.returncode == 2
    assert "OK" not in result.stdout
    lines = result.stderr.splitlines()
    assert lines == [f"config error: {path}: {line}" for line in (
        "`lcoale`: unknown key at the top level; did you mean `locale`?",
        "`rules.candidate_level`: unknown key in [rules]; did you mean `candidate_levels`?",
        "`sources[0].timezone`: unknown key in [[sources]] number 1; `timezone` is a top-level "
        "key, and TOML reads every key after a table's header into that table: move it above "
        "the first [table] or [[table]] header",
        "`sources[0].intervall`: unknown key in [[sources]] number 1; did you mean `interval`?",
        "sources[0]: both urls and url given: give exactly one of url, urls, path, replay",
        f"sources[1].path = 'nowhere/feed.json': folder {tmp_path / 'nowhere'} not found",
        "chats[0].id = 'mygroup': expected a chat id (-100…) or a public channel's \"@name\"",
        "chats[1].id = '#general': expected a channel's id (C…, G…) or a direct message's "
        "(D…), not a channel's name",
    )] + ["config error: 8 problems"]  # fmt: skip


def test_a_path_source_may_wait_for_its_file_in_a_folder_that_exists(tmp_path: Path) -> None:
    (tmp_path / "drop").mkdir()
    path = write(tmp_path, '[[sources]]\nid = "drop"\npath = "drop/feed.json"\n')
    result = check_config(path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        f"warning: {path}: sources[0].path: {tmp_path / 'drop' / 'feed.json'} does not exist "
        "yet: Soirée will wait for it\n"
    )
    assert "OK (1 source(s), 0 chat(s))" in result.stdout


@pytest.mark.parametrize(
    "path", [DEMO, *sorted((ROOT / "config" / "examples").glob("*.toml"))], ids=lambda p: p.name
)
def test_check_config_accepts_every_shipped_config(path: Path) -> None:
    result = check_config(path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith(f"{path}: OK (")


def test_check_config_against_a_feed_warns_of_ids_it_lacks(tmp_path: Path) -> None:
    # The demo's 23:55 version holds one race, national (hamon, valls).
    feed = DEMO.parent / "demo" / "12-23h55.json"
    text = DEMO.read_text(encoding="utf-8")
    text = text.replace('main_races = ["national"]', 'main_races = ["national", "nationl"]')
    text = text.replace('hamon = "#C2185B"', 'hamon = "#C2185B"\nhammon = "#000000"')
    text = text.replace("national = 1_660_000", "national = 1_660_000\nfrance = 1")
    text = text.replace('races = ["*"]', 'races = ["*", "area:99", "national"]')
    text = text.replace('"demo/', f'"{DEMO.parent}/demo/').replace("../var/", f"{tmp_path}/")
    path = tmp_path / "demo.toml"
    path.write_text(text, encoding="utf-8")
    assert check_config(path).stderr == ""  # without --feed, nothing to compare
    result = check_config(path, "--feed", str(feed))
    assert result.returncode == 0, result.stderr
    warnings = result.stderr.splitlines()
    assert [w.split(": ")[2].split(" = ")[0] for w in warnings] == [
        "charts.colours.hammon",
        "rules.previous_round_voters.france",
        "main_races[1]",
        "chats[0].races[1]",
    ], warnings
    assert "no such candidate in the feed, which has hamon, valls" in warnings[0]
    assert warnings[1].endswith(": no such race in the feed, which has national")
    assert "matches no race of the feed" in warnings[3]
    assert "OK (1 source(s), 1 chat(s))" in result.stdout


def test_check_config_against_an_unreadable_feed_says_why(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("<Election/>", encoding="utf-8")
    result = check_config(DEMO, "--feed", str(bad))
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {bad}: ")
    assert "OK" not in result.stdout


def test_slack_managers_are_user_and_user_group_ids(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + '[slack]\nmanagers = ["U012AB3CD", "W0ABC", "S0614TZR7"]\n'
                 + SOURCE)  # fmt: skip
    assert load(path).slack_managers == ("U012AB3CD", "W0ABC", "S0614TZR7")
    assert load(write(tmp_path, HEADER + SOURCE)).slack_managers == ()


def test_a_slack_manager_must_be_an_id(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + '[slack]\nmanagers = ["@marie"]\n' + SOURCE)
    with pytest.raises(ConfigError, match=r"slack\.managers\[0\] = '@marie': expected a user id"):
        load(path)


def test_urls_expand_into_one_source_per_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[[sources]]
id = "pr"
urls = ["https://example.test/FE.json", "https://example.test/075.json"]
interval = 30
""",
    )
    config = load(path)
    assert [(s.id, s.url, s.interval) for s in config.sources] == [
        ("pr:0", "https://example.test/FE.json", 30.0),
        ("pr:1", "https://example.test/075.json", 30.0),
    ]


def test_a_ministry_source_follows_its_index(tmp_path: Path) -> None:
    base = "https://example.test/PR2017/resultatsT2"
    path = write(
        tmp_path,
        f"""
[[sources]]
id = "pr"
format = "fr-interior-xml"
index = "{base}/index.xml"
urls = ["{base}/011/075/075.xml", "{base}/011/075/075056AR01.xml"]
""",
    )
    assert [(s.id, s.index) for s in load(path).sources] == [
        ("pr:0", f"{base}/index.xml"),
        ("pr:1", f"{base}/index.xml"),
    ]


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ('format = "fr-interior-xml"\nindex = "index.xml"\nurl = "https://e.test/075.xml"',
         "expected the http:// or https:// URL of index.xml"),
        ('format = "fr-interior-xml"\nindex = "https://e.test/index.xml"\npath = "075.xml"',
         'only a format = "fr-interior-xml" source with url or urls follows an index'),
        ('format = "clarity-xml"\nindex = "https://e.test/index.xml"\nurl = "https://e.test/d.zip"',
         'only a format = "fr-interior-xml" source with url or urls follows an index'),
    ],
)  # fmt: skip
def test_an_index_needs_a_ministry_url_source(tmp_path: Path, source: str, reason: str) -> None:
    path = write(tmp_path, f'[[sources]]\nid = "s"\n{source}\n')
    with pytest.raises(ConfigError, match=r"sources\[0\]\.index = ") as caught:
        load(path)
    assert reason in str(caught.value)


def test_a_source_that_is_no_table_is_one_problem(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(write(tmp_path, "sources = [1]\n"))
    assert caught.value.problems == (
        f"{tmp_path / 'soiree.toml'}: sources[0] = 1: expected a table",
    )


def test_replay_entries_must_be_file_names(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sources]]\nid = "s"\nreplay = [1]\n')
    with pytest.raises(ConfigError, match=r"sources\[0\]\.replay\[0\] = 1"):
        load(path)


@pytest.mark.parametrize("path", sorted((ROOT / "config" / "examples").glob("*.toml")))
def test_example_configs_load(path: Path) -> None:
    config = load(path)
    assert config.sources


# --- the store: SQLite's file, or a PostgreSQL URL ----------------------------------------


def test_the_database_url_selects_postgres_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOIREE_DATABASE_URL", raising=False)
    path = write(tmp_path, HEADER + SOURCE)
    assert load(path).database_url is None  # the SQLite file at db
    path = write(tmp_path, HEADER + 'database_url = "postgresql://soiree@db1/night"\n' + SOURCE)
    assert load(path).database_url == "postgresql://soiree@db1/night"
    monkeypatch.setenv("SOIREE_DATABASE_URL", "postgresql://soiree:pw@db2/night")
    assert load(path).database_url == "postgresql://soiree:pw@db2/night"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://soiree:hunter2@db/night", "no password in the config file"),
        ("mysql://soiree@db/night", "expected a postgresql:// URL"),
    ],
)
def test_a_database_url_in_the_config_names_no_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, says: str
) -> None:
    monkeypatch.delenv("SOIREE_DATABASE_URL", raising=False)
    path = write(tmp_path, HEADER + f'database_url = "{url}"\n' + SOURCE)
    with pytest.raises(ConfigError, match=says) as caught:
        load(path)
    assert "database_url = '" in str(caught.value)
    assert "hunter2" not in str(caught.value)


# --- Telegram channels and the inline media chat (issue 19) ------------------------------


def test_a_telegram_channel_is_a_chat_by_its_id_or_its_name(tmp_path: Path) -> None:
    chats = "".join(
        f'[[chats]]\nplatform = "telegram"\nid = {chat}\n'
        for chat in ("-1001234567890", '"@soiree_live"')
    )
    path = write(
        tmp_path, HEADER + 'telegram = { media_chat = "@soiree_media" }\n' + SOURCE + chats
    )
    config = load(path)
    assert [c.id for c in config.chats] == ["-1001234567890", "@soiree_live"]
    assert config.telegram_media_chat == "@soiree_media"
    assert load(write(tmp_path, HEADER + SOURCE)).telegram_media_chat is None


@pytest.mark.parametrize("chat", ['"soiree_live"', '"@abc"', '"@soirée"', '"-100x"'])
def test_a_telegram_chat_is_a_number_or_an_at_name(tmp_path: Path, chat: str) -> None:
    path = write(tmp_path, HEADER + SOURCE + f'[[chats]]\nplatform = "telegram"\nid = {chat}\n')
    with pytest.raises(ConfigError, match=r"chats\[0\]\.id = .*public channel's \"@name\""):
        load(path)
    bad_media = write(tmp_path, HEADER + f"telegram = {{ media_chat = {chat} }}\n" + SOURCE)
    with pytest.raises(ConfigError, match=r"telegram\.media_chat = "):
        load(bad_media)
