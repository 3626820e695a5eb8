"""The metrics: one registry per bot, what each count and histogram records, the text format
(the running process's /metrics: tests/test_endpoints.py), and the Grafana dashboard that
draws them."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import Metrics
from bot.render.message import Message
from bot.store import Delivery
from tests.builders import at
from tests.support import ROOT

SUFFIX = re.compile(r"_(total|bucket|sum|count)$")  # a family's samples, by the family


def value(m: Metrics, name: str, **labels: str) -> float | None:
    return m.registry.get_sample_value(name, labels)


def row(recorded_minutes: int | None) -> Delivery:
    recorded = None if recorded_minutes is None else at(recorded_minutes)
    return Delivery(
        event_key="k", platform="telegram", chat_id="1", message=Message(text="x"),
        recorded_at=recorded,
    )  # fmt: skip


def test_two_bots_in_one_process_count_apart() -> None:
    first, second = Metrics(), Metrics()  # the default registry would refuse the second
    first.polled("feed", "changed")
    first.polled("feed", "changed")
    second.polled("feed", "changed")
    assert value(first, "soiree_polls_total", source="feed", outcome="changed") == 2
    assert value(second, "soiree_polls_total", source="feed", outcome="changed") == 1


def test_a_version_counts_its_outcome_its_facts_by_kind_and_its_cycle() -> None:
    m = Metrics()
    m.processed("feed", "accepted", ["first_results", "leader_changed", "first_results"], 0.3)
    m.processed("feed", "failed")  # no cycle time: it did not go through
    assert value(m, "soiree_versions_total", source="feed", outcome="accepted") == 1
    assert value(m, "soiree_versions_total", source="feed", outcome="failed") == 1
    assert value(m, "soiree_events_total", kind="first_results") == 2
    assert value(m, "soiree_events_total", kind="leader_changed") == 1
    assert value(m, "soiree_cycle_seconds_count", source="feed") == 1
    assert value(m, "soiree_cycle_seconds_bucket", source="feed", le="0.25") == 0
    assert value(m, "soiree_cycle_seconds_bucket", source="feed", le="0.5") == 1


def test_a_send_counts_once_and_each_row_it_carried_its_latency() -> None:
    m = Metrics()
    # A digest of two rows recorded at minutes 1 and 2, accepted at minute 3.
    m.delivered("telegram", [row(1), row(2), row(None)], at(3))
    assert value(m, "soiree_sends_total", platform="telegram", outcome="sent") == 1
    assert value(m, "soiree_send_latency_seconds_count", platform="telegram") == 2
    assert value(m, "soiree_send_latency_seconds_sum", platform="telegram") == 120 + 60


def test_a_429_counts_with_the_wait_it_imposed_and_other_refusals_by_outcome() -> None:
    m = Metrics()
    m.refused("slack", "rate_limited", 30.0)
    m.refused("slack", "rate_limited", 2.0)
    m.refused("slack", "gone")
    assert value(m, "soiree_sends_total", platform="slack", outcome="rate_limited") == 2
    assert value(m, "soiree_sends_total", platform="slack", outcome="gone") == 1
    assert value(m, "soiree_rate_limit_wait_seconds_count", platform="slack") == 2
    assert value(m, "soiree_rate_limit_wait_seconds_sum", platform="slack") == 32.0


def test_the_outbox_depth_of_a_platform_emptied_since_reads_zero() -> None:
    m = Metrics()
    m.depth({"telegram": 3, "slack": 1})
    m.depth({"telegram": 1})
    assert value(m, "soiree_outbox_depth", platform="telegram") == 1
    assert value(m, "soiree_outbox_depth", platform="slack") == 0


def test_the_text_format_parses_back_without_created_series() -> None:
    m = Metrics()
    m.parsed("canonical-json", 0.02)
    m.polled("feed", "not_modified")
    m.staleness.labels("feed").set(timedelta(minutes=2).total_seconds())
    text = m.render().decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families["soiree_parse_seconds"].type == "histogram"
    assert families["soiree_polls"].type == "counter"
    assert [s.value for s in families["soiree_feed_staleness_seconds"].samples] == [120.0]
    assert "_created" not in text


def test_the_grafana_dashboard_draws_every_metric_and_only_those() -> None:
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text("utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    drawn = {SUFFIX.sub("", name) for e in exprs for name in re.findall(r"soiree_\w+", e)}
    exported = {family.name for family in Metrics().registry.collect()}
    assert drawn == exported
