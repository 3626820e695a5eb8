"""The benchmarks' generators and pure entries run at a toy size (the figures are not tested)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from bench import parse_cost
from bench.feeds import Country, canonical_country, generate, national_json
from bench.harness import percentile
from bench.latency import ministry_config, national_config
from bot.config import load
from bot.diff import diff
from bot.formats import canonical, ministry
from bot.rules import Rules

NOW = datetime(2022, 4, 10, 20, tzinfo=UTC)


def test_the_seeded_country_adds_up_and_parses() -> None:
    country = Country(communes=300, departements=5)
    sizes = country.sizes()
    assert sum(sizes.values()) == 300
    assert sizes == Country(communes=300, departements=5).sizes()  # seeded: the same each run
    dept = next(iter(sizes))
    snap = ministry.parse(country.departement(dept, 0.4, version=3), "t", {}, NOW)
    assert snap.races[0].units.counted == round(0.4 * sizes[dept])
    assert ministry.parse(country.france(), "t", {}, NOW).races[0].id == "FE"
    assert len(canonical.parse(canonical_country(country), "t", {}, NOW).races) == 300
    assert canonical.parse(national_json(3), "t", {}, NOW).races[0].units.counted == 3


def test_the_synthetic_feeds_raise_no_anomaly() -> None:
    # Else the benchmarks would time the anomaly path, not the night's usual one.
    for snap in (
        ministry.parse(generate(communes=50), "t", {}, NOW),
        canonical.parse(canonical_country(Country(communes=50, departements=2)), "t", {}, NOW),
    ):
        events = diff(None, snap, Rules(), NOW)
        assert [e for e in events if e.kind == "anomaly"] == []
    parse_cost.ours_xml([generate(communes=20)])


def test_percentile_interpolates() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile([0.0, 10.0], 95) == 9.5


def test_the_latency_configs_keep_the_default_charts_unless_asked() -> None:
    with TemporaryDirectory() as tmp:
        on = load(national_config(Path(tmp), "http://127.0.0.1:1", "default"))
        off = load(ministry_config(Path(tmp), "http://127.0.0.1:1", Country(300, 5), 1.0, "off"))
    assert on.charts.send_with == ("results", "reporting_threshold", "final")
    assert off.charts.send_with == ()
