"""The config file's schema: its defaults are the records' own, and it names its tables."""

from __future__ import annotations

from pathlib import Path

from bot.config import ChartsConfig, ChatConfig, SourceConfig, load
from bot.config_schema import (
    CHART_KINDS,
    TABLES,
    ChartsFile,
    ConfigFile,
    Table,
)
from bot.rules import Rules


def test_the_files_defaults_are_the_records_defaults(tmp_path: Path) -> None:
    (tmp_path / "feed.json").write_text("{}", encoding="utf-8")
    path = tmp_path / "soiree.toml"
    path.write_text(
        '[[sources]]\nid = "s"\nreplay = ["feed.json"]\n[[chats]]\nplatform = "console"\n'
        'id = "console"\n',
        encoding="utf-8",
    )
    config = load(path)
    assert config.rules == Rules()
    assert config.charts == ChartsConfig()
    assert config.sources == (
        SourceConfig(id="s", format="canonical-json", replay=(tmp_path / "feed.json",)),
    )
    assert config.chats == (ChatConfig(platform="console", id="console", locale="fr"),)
    assert ChartsFile().send_with == CHART_KINDS


def test_every_table_is_named_and_refuses_unknown_keys() -> None:
    tables = {ConfigFile, *(t for t in TABLES if t is not ConfigFile)}
    assert set(TABLES) == tables == set(Table.__subclasses__())
    for table in tables:
        assert table.__struct_config__.forbid_unknown_fields, table
