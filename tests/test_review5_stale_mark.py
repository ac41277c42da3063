"""docs/api.md §9: an actor a pool member's handler spawned acts for that member (the member
may be awaiting it), so its asks of the pool are routed past that member. A member that
stopped awaits nothing: a member added later is routed those asks as any other is, even
when its cell was made in the memory the stopped one freed, and has its `id()`."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, PoolRef

BOUND = 5.0
LONG = 60.0  # the asks' timeout: a test that waited it out would hit BOUND first
ATTEMPTS = 20  # members added until one reuses the stopped member's memory


class Helper(Actor):
    """Outlives the member that spawned it, and asks the pool for it."""

    def __init__(self, pool: PoolRef) -> None:
        self.pool = pool

    async def receive(self, message: Any) -> Any:
        return await self.pool.ask(message, timeout=LONG)


class Member(Actor):
    """Asked a pool, spawns a top-level `Helper` of it (not its child: it outlives this)."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, PoolRef):
            return await self.system.spawn(Helper, message)
        return self.name


async def test_a_new_member_in_a_stopped_members_memory_is_routed_its_spawns_asks() -> None:
    # Each collection below walks what this test made, not what the tests before it left.
    # Frozen for good: unfreezing would hand the collector back the heap frozen before the
    # first test (conftest). No collection first: the garbage it would free is where the
    # next member would be made, not in the stopped member's memory.
    gc.freeze()
    await _new_member_in_stopped_memory()


async def _new_member_in_stopped_memory() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(Member, size=2, restart="temporary")
        spawner = pool.members[0]
        helper = await spawner.ask(pool, timeout=LONG)
        stale = id(spawner._cell)
        del spawner
        for _ in range(ATTEMPTS):
            leaving = next(m for m in pool.members if m.name != "1")
            await leaving.stop()
            del leaving
            gc.collect()  # a stopped cell's memory is free once collected
            await pool.resize(2)
            new = next(m for m in pool.members if m.name != "1")
            if id(new._cell) == stale:
                break
        else:
            pytest.skip("no member was made in the stopped member's memory")
        answers = [await helper.ask("which", timeout=LONG) for _ in range(4)]
        assert sorted(answers) == sorted([new.name, new.name, "1", "1"])
        assert system.accounting().balanced
