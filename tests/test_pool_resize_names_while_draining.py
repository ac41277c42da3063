"""The names a grow gives while a shrink's leaving members still drain: a leaver's name is
not free until it has stopped, so the grow takes the lowest names above it, and the pool's
names have a gap once the leaver is gone (docs/api.md §9, `resize`)."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock


class Worker(Actor):
    def __init__(self, release: asyncio.Event) -> None:
        self.release = release

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            await self.release.wait()
        return message


async def test_a_grow_during_a_shrinks_drain_takes_names_above_the_leavers(
    clock: ManualClock,
) -> None:
    release = asyncio.Event()
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Worker, release, size=3, name="pool")
        pool.members[2].tell("hold")  # /pool/2 will drain what it holds, slowly
        await clock.settle()
        shrink = asyncio.create_task(pool.resize(2))
        await clock.settle()
        assert [m.name for m in pool.members] == ["0", "1"]  # /pool/2 leaves, draining
        await pool.resize(3)  # "2" is not free yet
        assert [m.name for m in pool.members] == ["0", "1", "3"]
        release.set()
        await shrink
        assert [m.name for m in pool.members] == ["0", "1", "3"]
        assert system.lookup("/pool/2") is None
