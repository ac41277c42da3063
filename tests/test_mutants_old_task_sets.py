"""The capability sets of agents that stopped (docs/api.md §6, Tasks): the lookup from a
capability to the live sets that hold it lets go of a capability that no live agent holds,
so that agents that come and go, each with a capability of its own (an agent per tenant),
leave nothing behind."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc

import pytest

from actorkit import ActorSystem

from .tasks_support import Echo

pytestmark = pytest.mark.timeout(20)

AGENTS = 500


async def test_agents_of_capabilities_of_their_own_leave_nothing_once_stopped() -> None:
    async with asyncio.timeout(15), ActorSystem() as system:
        for i in range(10):  # whatever the system makes once first
            await (await system.spawn(Echo, capabilities=["shared", f"warm-{i}"])).stop()
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.take_snapshot()
            for i in range(AGENTS):
                agent = await system.spawn(Echo, capabilities=["shared", f"tenant-{i}"])
                await agent.stop()
            gc.collect()
            after = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()
        idle = [tracemalloc.Filter(True, "*_tasks*_idle.py")]
        kept = after.filter_traces(idle).compare_to(before.filter_traces(idle), "filename")
        grown = sum(stat.size_diff for stat in kept)
        assert grown < 20 * AGENTS, grown  # a lookup kept per capability: 64 bytes at least
