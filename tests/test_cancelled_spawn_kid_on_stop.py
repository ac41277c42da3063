"""A spawn cancelled once the actor's `on_start` finished stops the actor and what it began
(API 9): a child that `on_start` spawned, whose task the cancellation meets before its first
step, never runs its own unwinding, yet its instance was made and running, so its `on_stop`
runs all the same, once, in a task of its own (`_outside_stop._EndedUnwound`)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem


class Kid(Actor):
    """Has an `on_stop`, so `spawn` gives it a task at once, which has not begun on return."""

    def __init__(self, stops: list[str], stopped: asyncio.Event) -> None:
        self.stops = stops
        self.stopped = stopped

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        self.stops.append(self.path)
        self.stopped.set()


class Parent(Actor):
    """Its `on_start` cancels the task spawning it, then spawns `kid`: the spawner wakes to
    its cancellation before the kid's task takes its first step."""

    def __init__(
        self, spawner: asyncio.Task[Any], stops: list[str], stopped: asyncio.Event
    ) -> None:
        self.spawner = spawner
        self.stops = stops
        self.stopped = stopped

    async def on_start(self) -> None:
        self.spawner.cancel()
        await self.spawn(Kid, self.stops, self.stopped, name="kid")

    async def receive(self, message: Any) -> None:
        pass


async def test_the_kid_of_a_cancelled_spawn_runs_its_on_stop_though_its_task_never_began() -> None:
    stops: list[str] = []
    stopped = asyncio.Event()
    spawner = asyncio.current_task()
    assert spawner is not None
    async with asyncio.timeout(5), ActorSystem() as system:
        with pytest.raises(asyncio.CancelledError):
            await system.spawn(Parent, spawner, stops, stopped, name="p")
        spawner.uncancel()
        await stopped.wait()
        assert stops == ["/p/kid"]
        assert system.lookup("/p") is None and system.lookup("/p/kid") is None
    assert stops == ["/p/kid"]  # once: the shutdown found nothing left to stop
