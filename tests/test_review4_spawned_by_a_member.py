"""docs/api.md §9: a pool member whose handler asks its own pool, or awaits a task or an
actor that does, is routed past itself, since it could answer only once that handler
returned. A member's handler awaiting `spawn` awaits the child's `on_start`, run in the
child's task: an ask of the pool made there acts for the member, and so does one made by a
member of a pool the member spawned."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, PoolRef

BOUND = 5.0
LONG = 60.0  # the asks' timeout: a test that waited it out would hit BOUND first


class Spawns(Actor):
    """Asked a pool, spawns a `StartsByAsking` child and returns what its start was told."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, PoolRef):
            child = await self.spawn(StartsByAsking, message)
            return await child.ask("told", timeout=LONG)
        return self.name


class SpawnsAPool(Actor):
    """Asked a pool, spawns a pool of one `StartsByAsking` member and returns what its
    member's start was told."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, PoolRef):
            inner = await self.system.spawn_pool(StartsByAsking, message, size=1)
            return await inner.ask("told", timeout=LONG)
        return self.name


class StartsByAsking(Actor):
    """Asks the pool in its `on_start`, while its spawner awaits that start."""

    def __init__(self, pool: PoolRef) -> None:
        self.pool = pool
        self.told: object = None

    async def on_start(self) -> None:
        self.told = await self.pool.ask("which", timeout=LONG)

    async def receive(self, message: Any) -> Any:
        if message == "told":
            return self.told
        return await self.pool.ask(message, timeout=LONG)


async def test_a_child_asking_the_pool_in_its_on_start_is_routed_past_its_spawner() -> None:
    """Round robin: member 0 is asked directly, so the child's ask is the routing's turn of
    member 0, whose handler awaits the spawn: member 1 answers it."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(Spawns, size=2, name="pool")
        assert await pool.members[0].ask(pool, timeout=LONG) == "1"
        assert system.accounting().balanced


async def test_a_member_of_a_pool_a_member_spawns_asking_the_outer_pool_in_its_on_start() -> None:
    """A pool spawned from member 0's handler: its member's start asks the outer pool while
    member 0 awaits `spawn_pool`, and is routed past member 0, as a child's would be: the
    inner member acts for member 0 and for itself."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(SpawnsAPool, size=2, name="pool")
        assert await pool.members[0].ask(pool, timeout=LONG) == "1"
        assert system.accounting().balanced
