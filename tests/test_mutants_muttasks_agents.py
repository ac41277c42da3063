"""Agents as the task layer sees them, where a mutation review found no test (API 4, 6)."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from actorkit import Actor, ActorSystem, Task
from actorkit._tasks._compatible import SETS_CACHED
from actorkit.testing import ManualClock

from .pool_support import a_member_draining
from .tasks_support import Block


class PoolAgent(Actor):
    """A pool member that is an agent: "hold" suspends it until released, tasks are noted."""

    capabilities = ("work",)

    def __init__(self, held: asyncio.Event, release: asyncio.Event, ran: list[str]) -> None:
        self.held, self.release, self.ran = held, release, ran

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            self.held.set()
            await self.release.wait()
        elif isinstance(message, Block):
            await message.hold()
        elif isinstance(message, Task):
            self.ran.append(self.name)
            if isinstance(message.payload, Block):
                await message.payload.hold()
            return self.name
        return None


async def test_a_member_leaving_a_shrink_takes_no_task_while_it_drains() -> None:
    """Routed nothing from the shrink on, as the pool's own messages: a task given to it would
    hold up its stop (and a stream of them keep it from ever stopping)."""
    clock = ManualClock()
    ran: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        held, release, queued = asyncio.Event(), asyncio.Event(), Block()
        async with a_member_draining(
            system, clock, PoolAgent, held, release, ran, queued=(queued,)
        ) as (pool, _):
            staying = pool.members[0].name
            release.set()  # its stop begins: it drains its queue, held by `queued`
            await queued.entered.wait()
            block = Block()
            try:
                busy = await system.submit(block, requires=("work",))
                waiting = await system.submit("next", requires=("work",))
                assert (busy.status, waiting.status) == ("running", "pending")
            finally:  # either way, nothing stays held
                block.release.set()
                queued.release.set()
            assert (await busy, await waiting) == (staying, staying)
        assert ran == [staying, staying]


class Named(Actor):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task) and isinstance(message.payload, Block):
            await message.payload.hold()
        return self.name


async def test_an_agent_whose_set_outlives_turns_of_the_cache_still_finds_new_tasks() -> None:
    """Agents made and stopped with a set of their own each (one per tenant) turn the cache
    of which pending groups each set serves, round after round; a long-lived agent used in
    every round must still be offered a task of a requirement set first seen after them."""
    async with asyncio.timeout(30), ActorSystem() as system:
        await system.spawn(Named, name="steady", capabilities=("steady",))
        tenants = itertools.count()
        for _ in range(3):
            for _ in range(SETS_CACHED + 10):
                tenant = await system.spawn(Named, capabilities=(f"tenant-{next(tenants)}",))
                await tenant.stop()
            assert await (await system.submit("round")) == "steady"
        block = Block()
        busy = await system.submit(block)
        await block.entered.wait()
        new = await system.submit("new", requires=("steady",))
        block.release.set()
        assert await busy == "steady"
        assert new.status != "pending", "the freed agent left a task it serves pending"
        assert await new == "steady"
