"""API.md §7 and docs/observability.md: metrics, HTTP endpoints, accounting, health, each part
annotated with the type the package exports for it."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

import actorkit
from actorkit import (
    Accounting,
    Actor,
    ActorSystem,
    BasicAuth,
    BearerAuth,
    HttpServer,
    Metrics,
    TaskStats,
)


class Echo(Actor):
    async def receive(self, message: object) -> object:
        return message


async def serve(system: ActorSystem, port: int) -> HttpServer:
    return await system.serve_http(port=port)


def report(accounting: Accounting, tasks: TaskStats) -> str:
    return f"{accounting.balanced} {tasks.pending}/{tasks.running}"


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
        metrics: Metrics = system.metrics
        assert metrics.registry is registry and metrics.enabled
        own: CollectorRegistry = metrics.registry
        metrics.add_source(queue_depth)
        value: float | None = own.get_sample_value(
            "actorkit_messages_processed_total", {"actor_type": "Echo"}
        )
        print(value)

        server: HttpServer = await system.serve_http(host="127.0.0.1", port=0, auth=None)
        url: str = server.url
        port: int = server.port
        host: str = server.host
        print(url, port, host)
        await server.close()
        bearer = await system.serve_http(port=0, auth="s3cret-token")
        basic = await system.serve_http(port=0, auth=("admin", "hunter2"))
        bearer_again = await system.serve_http(port=0, auth=BearerAuth("s3cret-token"))
        basic_again = await system.serve_http(port=0, auth=BasicAuth("admin", "hunter2"))
        servers: list[actorkit.HttpServer] = [
            bearer,
            basic,
            bearer_again,
            basic_again,
            await serve(system, 0),
        ]
        for each in servers:
            await each.close()

        healthy: bool = system.healthy
        accounting: Accounting = system.accounting()
        balanced: bool = accounting.balanced
        counts: tuple[int, ...] = (
            accounting.accepted,
            accounting.processed,
            accounting.crashed,
            accounting.dead_lettered,
            accounting.queued,
            accounting.handling,
        )
        tasks: TaskStats = system.tasks
        print(healthy, balanced, counts, tasks.by_status, tasks.unservable)
        print(report(accounting, tasks))


async def without_metrics() -> None:
    async with ActorSystem("quiet", metrics=False) as system:
        await system.spawn(Echo)


if __name__ == "__main__":
    actorkit.run(main())
