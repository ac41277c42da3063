"""Spawns under an eager task factory (`asyncio.eager_task_factory`): `create_task` runs the
new actor's first step before it returns, so before the cell holds the task. `on_start`
(or what `__init__` queued) then ran in a task its actor did not know as its own, nested
inside the spawner's frames, and a task that ended there was stored after its end."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

from .test_eager_tasks import EAGER_MARKS, eager

pytestmark = EAGER_MARKS


class StopsInOnStart(Actor):
    async def on_start(self) -> None:
        await self.ref.stop()  # from inside: queued, not waited for

    async def receive(self, message: Any) -> Any:
        return message


class Chain(Actor):
    """Each link's `on_start` spawns the next."""

    def __init__(self, links: int, done: asyncio.Event) -> None:
        self.links, self.done = links, done

    async def on_start(self) -> None:
        if self.links:
            await self.spawn(Chain, self.links - 1, self.done)
        else:
            self.done.set()


class StopsInInit(Actor):
    """Has an `on_stop`, so it gets its task at spawn, and stops before that task runs."""

    def __init__(self) -> None:
        self.stop()

    async def on_stop(self) -> None:
        pass


class StopsInShortStart(Actor):
    async def on_start(self) -> None:
        self.stop()

    async def on_stop(self) -> None:
        pass


async def test_an_actor_that_stops_itself_in_on_start_is_spawned_and_stops() -> None:
    """Its task was not yet its cell's: `ref.stop()` took it for a stop from outside and
    waited for the end of the `on_start` that awaited it, for ever."""
    async with eager(), asyncio.timeout(10), ActorSystem() as system:
        ref = await system.spawn(StopsInOnStart, restart="temporary")
        await ref.stop()
        assert not ref.is_alive


async def test_a_long_chain_of_spawns_in_on_start_starts_every_link() -> None:
    """Each link's `on_start` ran inside its spawner's: past ~150 links the stack ran out,
    and the spawn hung without a word."""
    async with eager(), asyncio.timeout(10), ActorSystem() as system:
        done = asyncio.Event()
        await system.spawn(Chain, 500, done)
        assert done.is_set()


@pytest.mark.parametrize("kind", [StopsInInit, StopsInShortStart])
async def test_an_actor_stopped_as_it_was_spawned_keeps_no_finished_task(kind: type) -> None:
    """Its task ended inside `create_task`, whose result was stored after the task's end had
    let its cell go of it: a held ref kept the task, its coroutine and its context."""
    async with eager(), asyncio.timeout(10), ActorSystem() as system:
        ref = await system.spawn(kind, restart="temporary")
        await ref.stop()
        assert not ref.is_alive
        assert ref._cell.task is None
