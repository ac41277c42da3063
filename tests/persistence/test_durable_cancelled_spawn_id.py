"""A spawn cancelled once `on_start` had failed frees the name when it raises (API.md §9),
while the actor's task still stops what `on_start` began: a durable actor's persistence id,
its path by default, is free then too, or a respawn under the name is refused for it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import EventSourced, MemoryStore

from ..actors_support import HoldsTheCleanup


class Ledger(EventSourced):
    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: Any) -> None:
        self.total += event

    async def receive(self, message: Any) -> Any:
        await self.persist(message)
        return self.total


class FailsAfterRecovery(Ledger):
    """Recovers (its id claimed), spawns a child, then fails `on_start`."""

    def __init__(self, stopping: asyncio.Event, release: asyncio.Event) -> None:
        super().__init__()
        self.hooks = stopping, release, list[str]()

    async def on_start(self) -> None:
        await self.spawn(HoldsTheCleanup, *self.hooks, name="kid")
        raise ValueError("on_start failed")


async def test_a_respawn_under_the_freed_name_gets_the_persistence_id_too() -> None:
    stopping, release = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(store=MemoryStore()) as system:
        made = system.spawn(FailsAfterRecovery, stopping, release, name="ledger")
        spawning = asyncio.ensure_future(made)
        await stopping.wait()  # `on_start` failed; the kid's `on_stop` holds the cleanup
        spawning.cancel()
        try:
            with pytest.raises(asyncio.CancelledError):
                await spawning
            assert system.lookup("/ledger") is None
            again = await system.spawn(Ledger, name="ledger")  # its id: '/ledger'
            assert await again.ask(5) == 5
        finally:
            release.set()
