"""A pool member that asks its own pool (splitting its work, say): the routing would hand the
ask back to the asker, which could answer only once the handler awaiting it returned. The
pool routes it to another member."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem

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
    """A member that, asked "spawn", spawns a child of its own (not a member) and returns it."""

    async def receive(self, message: Any) -> Any:
        if message == "spawn":
            return await self.spawn(Relays)
        return self.name


class Relays(Actor):
    """Asked a pool, asks it and returns which member answered."""

    async def receive(self, message: Any) -> Any:
        return await message.ask("which", timeout=LONG)


async def test_an_actor_a_member_spawned_asks_the_pool_as_any_other_actor_does() -> None:
    """The child is not the member: the routing may give its asks to the member that spawned
    it, which is free to answer them. Round robin over two members alternates."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(Parent, size=2, name="pool")
        child = await pool.members[0].ask("spawn", timeout=LONG)
        answers = [await child.ask(pool, timeout=LONG) for _ in range(4)]
        assert sorted(answers) == ["0", "0", "1", "1"]
