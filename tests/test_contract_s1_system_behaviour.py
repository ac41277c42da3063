"""API.md §1 (system and actors) where no other test pinned the sentence as written: names
unique among siblings (not across the tree), one task per actor, and a factory called again
at a restart with the arguments `spawn` was given, keywords included."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, NameTaken
from actorkit.testing import ManualClock

from .supervision_support import Worker


class Spawner(Actor):
    """Spawns a child of the name it is sent; a refusal is its answer, not its failure (a
    failure would restart it and take its children with it)."""

    async def receive(self, name: str) -> ActorRef | Exception:
        try:
            return await self.spawn(Worker, [], name, name=name)
        except NameTaken as refused:
            return refused


async def test_a_name_is_unique_among_siblings_and_free_under_another_parent(
    clock: ManualClock,
) -> None:
    """§1: "Names are unique among siblings": a second child `c` of one parent is refused,
    while `c` under another parent and `c` at the top level are other actors."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        p = await system.spawn(Spawner, name="p")
        q = await system.spawn(Spawner, name="q")
        first = await p.ask("c")
        assert isinstance(first, ActorRef) and first.path == "/p/c"
        refused = await p.ask("c")
        assert isinstance(refused, NameTaken)
        assert system.lookup("/p/c") is first and first.is_alive
        cousin = await q.ask("c")
        top = await system.spawn(Worker, [], "c", name="c")
        assert isinstance(cousin, ActorRef)
        assert (cousin.path, top.path) == ("/q/c", "/c")
        assert len({first, cousin, top}) == 3


class Tasks(Actor):
    """Notes the task each of its steps runs on."""

    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[Any] | None] = []

    async def on_start(self) -> None:
        self.tasks.append(asyncio.current_task())

    async def receive(self, message: Any) -> list[asyncio.Task[Any] | None]:
        self.tasks.append(asyncio.current_task())
        return list(self.tasks)


async def test_an_actor_runs_on_one_task_of_its_own(clock: ManualClock) -> None:
    """§1: "An actor is one asyncio task with its own mailbox": its `on_start` and every
    message run on one task, which is neither its spawner's nor another actor's."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        a = await system.spawn(Tasks)
        b = await system.spawn(Tasks)
        for message in range(3):
            a.tell(message)
        seen_by_a = await a.ask("tasks")
        seen_by_b = await b.ask("tasks")
        assert len(seen_by_a) == 5 and len(set(seen_by_a)) == 1
        assert len(seen_by_b) == 2 and len(set(seen_by_b)) == 1
        mine = asyncio.current_task()
        assert seen_by_a[0] not in (None, mine, seen_by_b[0])
        assert seen_by_b[0] not in (None, mine)


class Tally(Actor):
    """Counts from `start` in steps of `step`; notes each instance made."""

    def __init__(self, made: list[Tally], start: int, *, step: int) -> None:
        made.append(self)
        self.count, self.step = start, step

    async def receive(self, message: Any) -> int:
        if message == "crash":
            raise RuntimeError("tally crashed on purpose")
        self.count += self.step
        return self.count


def make_tally(made: list[Tally], start: int, *, step: int) -> Tally:
    return Tally(made, start, step=step)


@pytest.mark.parametrize("factory", [Tally, make_tally], ids=["class", "callable"])
async def test_a_restart_calls_the_factory_again_with_the_spawn_s_arguments(
    clock: ManualClock, factory: Callable[..., Tally]
) -> None:
    """§1: "args come from spawn()" and the factory "is called again on every restart":
    the fresh instance gets the same positional and keyword arguments as the first."""
    made: list[Tally] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(factory, made, 100, step=5, name="tally", mailbox_size=8)
        assert await ref.ask("count") == 105
        ref.tell("crash")
        await clock.advance(0)
        assert await ref.ask("count") == 105
        assert len(made) == 2 and made[0] is not made[1]
        assert (made[1].count, made[1].step) == (105, 5)
