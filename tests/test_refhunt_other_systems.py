"""Refs of another system on the same event loop (API 1: systems in one loop are independent,
and a ref is used the same from anywhere on it). A ring of stops between handlers closes
across systems as within one (api.md §9: the stop that would wait on its own caller is
queued, and every actor of the ring stops): each stop is filed under its target's system,
and the ring was found only when all of it lay in one system, so two handlers in two
systems that stopped each other waited for each other until a shutdown forced them."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem

from .test_stop_cycles import Stopper

BOUND = 5.0
pytestmark = pytest.mark.timeout(15)


@pytest.mark.parametrize("size", [2, 3])
async def test_a_ring_of_stops_through_several_systems_stops_every_actor(size: int) -> None:
    systems = [ActorSystem(f"s{i}", metrics=False) for i in range(size)]
    try:
        for system in systems:
            await system.start()
        ready = asyncio.Barrier(size)
        ring = [await system.spawn(Stopper, ready, name="x") for system in systems]
        asks = [ring[i].ask(ring[(i + 1) % size], timeout=BOUND) for i in range(size)]
        async with asyncio.timeout(BOUND + 1):
            answers = await asyncio.gather(*asks, return_exceptions=True)
        assert answers == ["stopped it"] * size
        assert not any(ref.is_alive for ref in ring)
    finally:  # a ring left waiting is forced at once, not after the default 10 s
        for system in systems:
            await system.shutdown(timeout=0.1)
