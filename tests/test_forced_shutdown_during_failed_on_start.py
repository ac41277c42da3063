"""A forced shutdown that cuts into the cleanup after a failed `on_start` (the children it
spawned being stopped): the `spawn` awaiting it raises `ActorStopped` rather than hang, as one
cut off inside `on_start` itself does (API 2, "Lifecycle")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem


class HangsInOnStop(Actor):
    def __init__(self, stopping: asyncio.Event) -> None:
        self.stopping = stopping

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.stopping.set()
        await asyncio.Event().wait()


class FailsAfterSpawning(Actor):
    """Its `on_start` spawns a child whose `on_stop` hangs, then fails: the failure's cleanup
    waits on that child's stop."""

    def __init__(self, stopping: asyncio.Event) -> None:
        self.stopping = stopping

    async def receive(self, message: Any) -> Any:
        return message

    async def on_start(self) -> None:
        await self.spawn(HangsInOnStop, self.stopping, name="child")
        raise ValueError("on_start failed")


async def test_spawn_raises_when_a_forced_shutdown_cuts_the_cleanup_of_a_failed_on_start() -> None:
    stopping = asyncio.Event()
    async with asyncio.timeout(5):
        system = await ActorSystem().start()
        spawning = asyncio.ensure_future(system.spawn(FailsAfterSpawning, stopping, name="x"))
        await stopping.wait()  # on_start failed, and its child's stop hangs
        await system.shutdown(timeout=0.05)
        with pytest.raises(ActorStopped, match="/x was stopped before the children of its fail"):
            await spawning
