"""A forced stop and the `Terminated` of the children it stops with their parent.

docs/api.md §9: "An actor that stops gets no `Terminated` of the actors it stops with it, its
children's children included (none is dead-lettered ...)". An orderly stop unwatches them
first; a forced one (`ref.stop(timeout=0)`, or past a timeout) closes the subtree deepest
first, so each child's `Terminated` reached its parent's mailbox just before that closed too,
and was dead-lettered there."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock

from .watch_support import terminated_letters


class Leaf(Actor):
    async def receive(self, message: Any) -> None:
        if message == "hang":
            await asyncio.Event().wait()


class Watching(Actor):
    """Spawns `depth` levels of children below it, each watched by its parent."""

    def __init__(self, depth: int) -> None:
        self.depth = depth

    async def on_start(self) -> None:
        factory: Any = Leaf if self.depth <= 1 else Watching
        args = () if self.depth <= 1 else (self.depth - 1,)
        self.watch(await self.spawn(factory, *args, name="child"))

    async def receive(self, message: Any) -> None:
        if message == "hang":
            await asyncio.Event().wait()


async def test_a_forced_stop_dead_letters_no_terminated_of_the_children_it_stops(
    clock: ManualClock,
) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        top = await system.spawn(Watching, 3, name="top")
        top.tell("hang")  # busy: the stop is forced on the whole subtree
        await clock.settle()
        await top.stop(timeout=0)
        await clock.settle()
        assert terminated_letters(system) == []
        assert system.dead_letters.by_reason == {"stopping": 1}  # the message in hand only
        assert system.accounting().balanced


async def test_an_idle_parent_forced_to_stop_with_a_busy_child_hears_nothing_of_it(
    clock: ManualClock,
) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        top = await system.spawn(Watching, 1, name="top")
        child = system.lookup("/top/child")
        assert child is not None
        child.tell("hang")
        await clock.settle()
        await top.stop(timeout=0)
        await clock.settle()
        assert terminated_letters(system) == []
        assert system.dead_letters.by_reason == {"stopping": 1}
        assert system.accounting().balanced


async def test_a_shutdown_past_its_timeout_dead_letters_no_terminated_of_a_child() -> None:
    """The shutdown's own bound is real time (api.md §9, Clock): 0.05 s, then the forced stop
    closes what is left, the hung parent and the child it watches."""
    async with asyncio.timeout(10):
        system = ActorSystem()
        async with system:
            top = await system.spawn(Watching, 2, name="top")
            top.tell("hang")
            await system.shutdown(timeout=0.05)
        assert terminated_letters(system) == []
        assert system.dead_letters.by_reason == {"shutdown": 1}  # the message in hand only
        assert system.accounting().balanced
