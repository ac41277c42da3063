"""The durable kids of a spawn cancelled in its `on_start` keep their persistence ids (by
default their paths) until they have stopped, one live actor per id (API.md §11), though no
path finds them any more (§9): a respawn's durable kid under the same name is refused with
a `NameTaken` that says why lookup finds no such actor, and is welcome once they stopped."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, NameTaken
from actorkit.persistence import DurableState, MemoryStore


class Kid(DurableState):
    """Its `on_stop` holds its stop, out of the tree, until `release`."""

    def __init__(self, stopping: asyncio.Event, release: asyncio.Event) -> None:
        self.stopping, self.release = stopping, release

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.stopping.set()
        await self.release.wait()


class Starts(Actor):
    """Spawns its durable kid (its id: its path), then waits in `on_start` until cancelled."""

    def __init__(self, hooks: tuple[asyncio.Event, asyncio.Event], kids: list[ActorRef]) -> None:
        self.hooks, self.kids = hooks, kids

    async def on_start(self) -> None:
        self.kids.append(await self.spawn(Kid, *self.hooks, name="kid"))
        await asyncio.Event().wait()


async def test_the_id_of_a_cancelled_spawns_durable_kid_is_taken_until_it_stopped() -> None:
    hooks, kids = (asyncio.Event(), asyncio.Event()), list[ActorRef]()
    stopping, release = hooks
    async with asyncio.timeout(10), ActorSystem(store=MemoryStore()) as system:
        spawning = asyncio.ensure_future(system.spawn(Starts, hooks, kids, name="x"))
        while not kids:
            await asyncio.sleep(0)
        spawning.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await spawning
        await stopping.wait()  # the old kid stops, out of the tree
        try:
            assert system.lookup("/x/kid") is None
            with pytest.raises(NameTaken, match=r"'/x/kid' is in use by /x/kid.* out of the tree"):
                await system.spawn(Kid, *hooks, name="again", persistence_id="/x/kid")
        finally:
            release.set()
        while kids[0].is_alive:
            await asyncio.sleep(0)
        again = await system.spawn(Kid, *hooks, name="again", persistence_id="/x/kid")
        assert await again.ask("hello") == "hello"
