"""API.md sections 7 and 9 (observability), what no other test pinned: `/actors` says
`"healthy": false` once a failure escalated past the root, `/healthz` and `/actors` answer
with JSON as their content type, and each system keeps its metrics in a `CollectorRegistry`
of its own."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from prometheus_client import CollectorRegistry

from actorkit import ActorSystem, OneForOne
from actorkit.testing import ManualClock

from .http_support import Echo, fetch


async def test_actors_says_unhealthy_after_a_root_failure(clock: ManualClock) -> None:
    async with asyncio.timeout(10):
        system = await ActorSystem(
            "sick", clock=clock, supervisor=OneForOne(max_restarts=0)
        ).start()
        try:
            server = await system.serve_http(port=0)
            ref = await system.spawn(Echo, name="echo")
            _, body = await fetch(f"{server.url}/actors")
            assert json.loads(body)["healthy"] is True
            ref.tell("crash")
            await clock.advance(0)
            assert system.failure is not None
            _, body = await fetch(f"{server.url}/actors")
            tree = json.loads(body)
            assert (tree["system"], tree["healthy"]) == ("sick", False)
        finally:
            await system.shutdown()


async def test_healthz_and_actors_are_served_as_json(clock: ManualClock) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        server = await system.serve_http(port=0)
        async with aiohttp.ClientSession() as session:
            for path in ("/healthz", "/actors"):
                async with session.get(f"{server.url}{path}") as response:
                    assert response.status == 200
                    assert response.content_type == "application/json"
                    assert isinstance(await response.json(), dict)


def processed(registry: CollectorRegistry) -> float | None:
    return registry.get_sample_value("actorkit_messages_processed_total", {"actor_type": "Echo"})


async def test_each_system_counts_in_a_registry_of_its_own() -> None:
    async with asyncio.timeout(10), ActorSystem("a") as first, ActorSystem("b") as second:
        registries = (first.metrics.registry, second.metrics.registry)
        assert all(isinstance(registry, CollectorRegistry) for registry in registries)
        assert registries[0] is not registries[1]
        ref = await first.spawn(Echo)
        for i in range(3):
            await ref.ask(i)
        await second.spawn(Echo)
        assert [processed(registry) for registry in registries] == [3.0, 0.0]
