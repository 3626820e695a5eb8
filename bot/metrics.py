"""The bot's Prometheus metrics, in a registry of one running bot's own (never the process's
default registry: tests run several apps in one process): what the pollers, the pipeline
and the outbox count as they go, and the gauges a health check sets (bot/health.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from bot.store import Delivery

# How a poll ended: a new body (changed), a 304 or an unchanged file (not_modified), a body
# equal to the last one (hash_skip), an error (failed), or a version kept from a failed
# attempt processed again (retried; nothing was fetched).
POLL_OUTCOMES = ("changed", "not_modified", "hash_skip", "failed", "retried")
# What became of a new body: the pipeline's outcome (accepted, rejected, stale, unchanged),
# or failed (processing raised; the version is tried again), set_aside (after its tries).
VERSION_OUTCOMES = ("accepted", "rejected", "stale", "unchanged", "failed", "set_aside")
# How a send ended: the platform accepted it, or the error it was mapped to.
SEND_OUTCOMES = ("sent", "rate_limited", "gone", "moved", "rejected", "failed")

WORK_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
LATENCY_SECONDS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)
WAIT_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

CONTENT_TYPE = CONTENT_TYPE_LATEST  # of the text format that render() writes

# No `_created` series beside each counter and histogram: they double what a scrape reads,
# and a restart shows anyway (the counters start again from 0). A switch of the client's,
# for the whole process, which only Soirée's metrics use.
disable_created_metrics()  # type: ignore[no-untyped-call]


class Metrics:
    """One bot's metrics: counters and histograms the components update, gauges set from
    the health checks, all in `registry`, which `render()` writes in the text format."""

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.polls = Counter(
            "soiree_polls", "Polls of a source, by outcome: " + ", ".join(POLL_OUTCOMES),
            ["source", "outcome"], registry=r,
        )  # fmt: skip
        self.parse_seconds = Histogram(
            "soiree_parse_seconds", "Seconds to parse one feed version, by format",
            ["format"], buckets=WORK_SECONDS, registry=r,
        )  # fmt: skip
        self.cycle_seconds = Histogram(
            "soiree_cycle_seconds",
            "Seconds from a new body to its version recorded (parse, diff, charts, store)",
            ["source"], buckets=WORK_SECONDS, registry=r,
        )  # fmt: skip
        self.versions = Counter(
            "soiree_versions", "New bodies of a source, by outcome: " + ", ".join(VERSION_OUTCOMES),
            ["source", "outcome"], registry=r,
        )  # fmt: skip
        self.events = Counter(
            "soiree_events", "Facts recorded (new to the ledger), by kind", ["kind"], registry=r
        )
        self.sends = Counter(
            "soiree_sends", "Messages given to a platform, by outcome: " + ", ".join(SEND_OUTCOMES),
            ["platform", "outcome"], registry=r,
        )  # fmt: skip
        self.rate_limit_waits = Histogram(
            "soiree_rate_limit_wait_seconds",
            "The waits platforms imposed by a 429 (Retry-After); its count is the 429s",
            ["platform"], buckets=WAIT_SECONDS, registry=r,
        )  # fmt: skip
        self.send_latency = Histogram(
            "soiree_send_latency_seconds",
            "Seconds from a message recorded in the outbox to the platform accepting it",
            ["platform"], buckets=LATENCY_SECONDS, registry=r,
        )  # fmt: skip
        self.outbox_depth = Gauge(
            "soiree_outbox_depth", "Messages waiting, per platform", ["platform"], registry=r
        )
        self.staleness = Gauge(
            "soiree_feed_staleness_seconds",
            "Seconds since a source's last new version (since the start, before its first)",
            ["source"], registry=r,
        )  # fmt: skip
        self.failures = Gauge(
            "soiree_source_failures", "A source's failed polls in a row", ["source"], registry=r
        )
        self.platform_up = Gauge(
            "soiree_platform_up", "1 while a platform's adapter runs", ["platform"], registry=r
        )
        self.paused = Gauge("soiree_paused", "1 while announcements are paused", registry=r)
        self.leader = Gauge("soiree_leader", "1 while this instance leads", registry=r)
        self.healthy = Gauge(
            "soiree_healthy", "1 when the last health check passed (GET /healthz)", registry=r
        )
        self._platforms: set[str] = set()

    def polled(self, source: str, outcome: str) -> None:
        """Count a poll of a source that ended with `outcome` (one of POLL_OUTCOMES)."""
        self.polls.labels(source, outcome).inc()

    def parsed(self, fmt: str, seconds: float) -> None:
        """Time the parse of one version of a format."""
        self.parse_seconds.labels(fmt).observe(seconds)

    def processed(
        self, source: str, outcome: str, kinds: Iterable[str] = (), seconds: float | None = None
    ) -> None:
        """Count a new body of a source, what became of it, the kinds of the facts it
        recorded, and (when it went through) the seconds its cycle took."""
        self.versions.labels(source, outcome).inc()
        for kind in kinds:
            self.events.labels(kind).inc()
        if seconds is not None:
            self.cycle_seconds.labels(source).observe(seconds)

    def delivered(self, platform: str, rows: Sequence[Delivery], at: datetime) -> None:
        """Count a message a platform accepted at `at`, and the latency of each row it
        carried (a digest carries several) from when the row was recorded."""
        self.sends.labels(platform, "sent").inc()
        for row in rows:
            if row.recorded_at is not None:
                latency = (at - row.recorded_at).total_seconds()
                self.send_latency.labels(platform).observe(max(0.0, latency))

    def refused(self, platform: str, outcome: str, wait: float | None = None) -> None:
        """Count a send that failed (`outcome`: one of SEND_OUTCOMES); a 429 counts with
        the `wait` it imposed."""
        self.sends.labels(platform, outcome).inc()
        if wait is not None:
            self.rate_limit_waits.labels(platform).observe(wait)

    def depth(self, pending: Mapping[str, int]) -> None:
        """Set the outbox's depth per platform (a platform seen before and now empty is 0)."""
        self._platforms.update(pending)
        for platform in self._platforms:
            self.outbox_depth.labels(platform).set(pending.get(platform, 0))

    def render(self) -> bytes:
        """Return every metric in the Prometheus text format."""
        return generate_latest(self.registry)
