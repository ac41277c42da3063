"""The transport's `actorkit_nats_*` families, read from the counters when scraped."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from ._core import Core
from ._outbound import Outbox


def collect(core: Core, outbox: Outbox) -> Iterator[Metric]:
    yield GaugeMetricFamily(
        "actorkit_nats_connected",
        "1 while both connections to NATS are up",
        value=int(core.link.health(len(outbox))["connected"] is True),
    )
    messages = CounterMetricFamily(
        "actorkit_nats_messages", "Messages through NATS", labels=["direction"]
    )
    messages.add_metric(["out"], core.sent)
    messages.add_metric(["in"], core.received)
    yield messages
    rejected = CounterMetricFamily(
        "actorkit_nats_rejected",
        "Messages refused or dropped at the transport, by reason",
        labels=["reason"],
    )
    for reason, count in sorted(core.rejected.items()):
        rejected.add_metric([reason], count)
    yield rejected
    asks = CounterMetricFamily(
        "actorkit_nats_requests", "Remote asks and sends by outcome", labels=["outcome"]
    )
    for outcome, count in core.asks.items():
        asks.add_metric([outcome], count)
    yield asks
    yield CounterMetricFamily(
        "actorkit_nats_reconnects", "Reconnections to NATS", value=core.link.reconnects
    )
    yield GaugeMetricFamily("actorkit_nats_buffered", "Messages queued for NATS", value=len(outbox))
