"""An ask of a pool whose members all stopped for good (`temporary` members that failed):
the `NotDelivered` it fails with says how to get members again, not only that they are
gone; a resize to none says how a pool ends (API 8: an error says what to change)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered
from actorkit.testing import ManualClock


class Fragile(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "die":
            raise RuntimeError("die")
        return message


async def test_a_memberless_pools_ask_error_says_to_resize(clock: ManualClock) -> None:
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Fragile, size=2, restart="temporary", name="pool")
        for member in pool.members:
            member.tell("die")
        await clock.settle()
        assert pool.members == []
        with pytest.raises(
            NotDelivered, match=r"has stopped for good; `await pool\.resize\(n\)` starts new ones"
        ):
            await pool.ask("asked")
        await pool.resize(1)  # the way the hint names: the pool answers again
        assert await pool.ask("again") == "again"


async def test_a_resize_to_no_members_says_that_a_pool_ends_with_stop() -> None:
    async with asyncio.timeout(10), ActorSystem("sized") as system:
        pool = await system.spawn_pool(Fragile, size=2)
        with pytest.raises(ValueError, match=r"got 0: to end a pool, await pool\.stop\(\)"):
            await pool.resize(0)
        assert len(pool.members) == 2
