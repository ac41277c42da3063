"""Lifecycle transitions at the edges a mutation review found untested."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem, OneForOne

from .invariants import assert_settled
from .supervision_support import StartFailed


class Leaf(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class SpawnsThenRefuses(Actor):
    """Its `on_start` spawns a child, then fails as many times as `refusals` says."""

    def __init__(self, spawned: list[ActorRef], refusals: list[int]) -> None:
        self.spawned = spawned
        self.refusals = refusals

    async def on_start(self) -> None:
        self.spawned.append(await self.spawn(Leaf, name="g"))
        if self.refusals:
            self.refusals.pop()
            raise StartFailed("refuses after spawning")

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crashed")
        return message


class Decides(Actor):
    """Notes, as it decides on a failed start, whether what that start spawned still runs."""

    def __init__(self, spawned: list[ActorRef], refusals: list[int], alive: list[bool]) -> None:
        self.supervisor_strategy = OneForOne(decider=self.decide)
        self.spawned = spawned
        self.refusals = refusals
        self.alive = alive

    def decide(self, error: BaseException) -> str:
        if isinstance(error, StartFailed):
            self.alive.append(self.spawned[-1].is_alive)
        return "restart"

    async def receive(self, message: Any) -> Any:
        return await self.spawn(SpawnsThenRefuses, self.spawned, self.refusals, name="c")


async def test_a_failed_restart_start_stopped_what_it_spawned_before_the_decision() -> None:
    spawned: list[ActorRef] = []
    refusals: list[int] = []
    alive: list[bool] = []
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        parent = await system.spawn(Decides, spawned, refusals, alive, name="p")
        child = await parent.ask("spawn")
        refusals.append(1)
        child.tell("crash")
        assert await child.ask("ping") == "ping"  # the third start succeeded
        assert alive == [False]
        assert [ref.is_alive for ref in spawned] == [False, False, True]
        await assert_settled(system)
