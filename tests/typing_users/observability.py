"""API.md §7 and docs/observability.md: metrics, HTTP endpoints, accounting, health."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

import actorkit
from actorkit import Actor, ActorSystem


class Echo(Actor):
    async def receive(self, message: object) -> object:
        return message


def queue_depth() -> Iterable[Metric]:
    family = GaugeMetricFamily("myapp_queue_depth", "Jobs waiting outside the actors")
    family.add_metric([], 3.0)
    return [family]


async def main() -> None:
    registry = CollectorRegistry()
    async with ActorSystem(
        "observed", metrics=True, registry=registry, blocked_threshold=0.25
    ) as system:
        await system.spawn(Echo, name="echo")
        assert system.metrics.registry is registry
        own: CollectorRegistry = system.metrics.registry
        system.metrics.add_source(queue_depth)
        value: float | None = own.get_sample_value(
            "actorkit_messages_processed_total", {"actor_type": "Echo"}
        )
        print(value)

        server = await system.serve_http(host="127.0.0.1", port=0, auth=None)
        url: str = server.url
        port: int = server.port
        host: str = server.host
        print(url, port, host)
        await server.close()
        bearer = await system.serve_http(port=0, auth="s3cret-token")
        basic = await system.serve_http(port=0, auth=("admin", "hunter2"))
        await bearer.close()
        await basic.close()

        healthy: bool = system.healthy
        accounting = system.accounting()
        balanced: bool = accounting.balanced
        counts: tuple[int, ...] = (
            accounting.accepted,
            accounting.processed,
            accounting.crashed,
            accounting.dead_lettered,
            accounting.queued,
            accounting.handling,
        )
        print(healthy, balanced, counts, system.tasks.by_status, system.tasks.unservable)


async def without_metrics() -> None:
    async with ActorSystem("quiet", metrics=False) as system:
        await system.spawn(Echo)


if __name__ == "__main__":
    actorkit.run(main())
