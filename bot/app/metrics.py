"""What an operator watches, in Prometheus form (prometheus-client): commands by kind and
outcome with their latency, timer lag, the outbox's backlog and oldest age, sessions by
phase, and the platforms' rate-limit answers. Gauges that describe the database are read
when scraped, so they are true for every replica that shares it.

Each App has its own registry, so several apps in one process (tests) never mix figures.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300)


class Metrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.commands = Counter(
            "mockround_commands", "Commands handled", ["kind", "outcome"], registry=r
        )
        self.latency = Histogram(
            "mockround_command_seconds",
            "Time to answer a command",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.timer_lag = Histogram(
            "mockround_timer_lag_seconds",
            "How late a timer ran: fired minus due",
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self.outbox_backlog = Gauge(
            "mockround_outbox_backlog", "Posts saved and not yet sent", registry=r
        )
        self.outbox_oldest = Gauge(
            "mockround_outbox_oldest_seconds", "Age of the oldest unsent post", registry=r
        )
        self.sessions = Gauge(
            "mockround_sessions", "Unfinished sessions by phase", ["phase"], registry=r
        )
        self.rate_limited = Counter(
            "mockround_platform_rate_limited",
            "429 answers from a platform (the request waited and was sent again)",
            ["platform"],
            registry=r,
        )

    def command(self, kind: str, outcome: str, seconds: float) -> None:
        self.commands.labels(kind, outcome).inc()
        self.latency.labels(kind).observe(seconds)

    def timer_ran(self, due: datetime, now: datetime) -> None:
        self.timer_lag.observe(max(0.0, (now - due).total_seconds()))

    async def refresh(self, store, now: datetime) -> None:
        """The database-wide gauges, read at scrape time."""
        backlog, oldest = await store.outbox_backlog()
        self.outbox_backlog.set(backlog)
        self.outbox_oldest.set((now - oldest).total_seconds() if oldest else 0.0)
        self.sessions.clear()
        for phase, n in (await store.live_phases()).items():
            self.sessions.labels(phase).set(n)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
