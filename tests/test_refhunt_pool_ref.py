"""A pool's ref is an identity, as every ref is (API 1): its `size` and `routing` are read,
not set. Assigned, they were taken silently: the size then read what no member count
matched (and a restart of the pool started that many), and an unknown routing sent every
message to one member."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

pytestmark = pytest.mark.timeout(10)


class Named(Actor):
    async def receive(self, message: Any) -> Any:
        return self.name


async def test_a_pools_size_and_routing_are_read_only_and_say_what_to_call() -> None:
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(Named, size=2, name="pool")
        with pytest.raises(AttributeError, match=r"/pool's size is changed by `await pool\.resize"):
            pool.size = 5
        with pytest.raises(AttributeError, match=r"/pool's routing is fixed at spawn_pool"):
            pool.routing = "nonsense"
        assert (pool.size, pool.routing, len(pool.members)) == (2, "round_robin", 2)
        assert [await pool.ask("who") for _ in range(4)] == ["0", "1", "0", "1"]
        await pool.resize(3)
        assert pool.size == 3 == len(pool.members)


async def test_a_pools_ref_shows_as_a_pool_ref() -> None:
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(Named, size=1, name="pool")
        assert repr(pool) == "<PoolRef /pool alive>"
        assert repr(pool.members[0]) == "<ActorRef /pool/0 alive>"
        await pool.stop()
        assert repr(pool) == "<PoolRef /pool stopped>"
