"""A pool member that asks its own pool (splitting its work, say): the routing would hand the
ask back to the asker, which could answer only once the handler awaiting it returned. The
pool routes it to another member."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, PoolRef

BOUND = 5.0
LONG = 60.0  # the asks' timeout: a test that waited it out would hit BOUND first


class Splits(Actor):
    """Asked `("outer", pool)`, it asks the pool for a part of the work."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple):
            _, pool = message
            return await pool.ask("inner", timeout=LONG)
        return self.name


async def test_a_member_asking_its_round_robin_pool_is_answered_by_another() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(Splits, size=2, name="pool")
        first = pool.members[0]  # asked directly: the routing's next pick is this member
        assert await first.ask(("outer", pool), timeout=LONG) == "1"


class Parent(Actor):
    """A member that, asked a pool, spawns a child of its own (not a member) and awaits the
    child's ask of that pool."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, PoolRef):
            child = await self.spawn(Relays)
            return await child.ask(message, timeout=LONG)
        return self.name


class Relays(Actor):
    """Asked a pool, asks it and returns which member answered."""

    async def receive(self, message: Any) -> Any:
        return await message.ask("which", timeout=LONG)


async def test_an_actor_a_member_spawned_and_awaits_is_routed_past_the_member() -> None:
    """The member awaits its child's answer, so the child's ask of the pool goes to the other
    member every time, though round robin would give member 0 every other turn."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(Parent, size=2, name="pool")
        answers = [await pool.members[0].ask(pool, timeout=LONG) for _ in range(4)]
        assert answers == ["1", "1", "1", "1"]
