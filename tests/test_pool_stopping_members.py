"""A member whose stop has begun (its `on_stop` runs, its children stop) handles nothing
more: the pool routes past it from that moment, as it does past a member leaving a shrink,
so that what is sent meanwhile is handled by a member that stays rather than dead-lettered
(tells) or held until the stop ends (asks)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock

from .invariants import assert_settled


@pytest.mark.parametrize(
    "routing", ["round_robin", "random", "least_loaded", "consistent_hash", "broadcast"]
)
async def test_a_member_in_its_on_stop_is_routed_nothing(routing: str, clock: ManualClock) -> None:
    in_on_stop, gate = asyncio.Event(), asyncio.Event()
    handled: list[tuple[str, Any]] = []

    class SlowToStop(Actor):
        async def receive(self, message: Any) -> str:
            handled.append((self.name, message))
            return self.name

        async def on_stop(self) -> None:
            if self.name == "0":
                in_on_stop.set()
                await gate.wait()

    hash_key = (lambda message: message) if routing == "consistent_hash" else None
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(SlowToStop, size=2, routing=routing, hash_key=hash_key)
        first = pool.members[0]
        stopping = asyncio.ensure_future(first.stop())
        await in_on_stop.wait()
        assert [m.name for m in pool.members] == ["1"]
        for i in range(6):
            pool.tell(i)
        answers = [await pool.ask(i, timeout=1.0) for i in range(6, 12)]
        assert answers == ["1"] * 6
        await clock.settle()
        assert handled == [("1", i) for i in range(12)]
        assert system.dead_letters.count == 0
        gate.set()
        await stopping
        await assert_settled(system)
