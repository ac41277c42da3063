"""An actor's own timers across a `"resume"`: the instance goes on, and so do its timers (as
in Akka, whose timers end only with a restart or a stop). A periodic timer keeps its grid, a
one-shot timer still pending fires, and a tick that came while the failed actor waited for its
supervisor's decision is handled once it is resumed, in order (API 3, API 5)."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, OneForOne
from actorkit.testing import ManualClock


class Ticking(Actor):
    """Its timers note each tick with the time; "boom" fails it."""

    def __init__(self, clock: ManualClock, seen: list[tuple[float, str]]) -> None:
        self.clock = clock
        self.seen = seen
        self.count = 0

    async def on_start(self) -> None:
        self.timers.start_every("every", "every", 1.0)
        self.timers.start_once("once", "once", 2.5)

    async def receive(self, message: Any) -> Any:
        if message == "boom":
            raise ValueError("boom")
        if message == "count":
            return self.count
        self.count += 1
        self.seen.append((self.clock.now(), message))
        return None


class Parent(Actor):
    """Resumes its child's `ValueError`; busy while a handler awaits the event it is sent."""

    supervisor_strategy = OneForOne(decider={ValueError: "resume"})

    def __init__(self, clock: ManualClock, seen: list[tuple[float, str]]) -> None:
        self.clock = clock
        self.seen = seen

    async def on_start(self) -> None:
        self.child = await self.spawn(Ticking, self.clock, self.seen, name="child")

    async def receive(self, message: Any) -> Any:
        if isinstance(message, asyncio.Event):
            await message.wait()
        return self.child


async def test_a_resumed_actor_keeps_its_timers_and_the_ticks_that_came_meanwhile(
    clock: ManualClock,
) -> None:
    seen: list[tuple[float, str]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        parent = await system.spawn(Parent, clock, seen)
        child = await parent.ask("child")
        await clock.advance(1.0)
        busy = asyncio.Event()
        parent.tell(busy)  # the parent cannot decide until this is set
        child.tell("boom")
        await clock.advance(2.0)  # ticks at 2.0, 2.5 and 3.0 wait in the suspended child
        assert seen == [(1.0, "every")]
        busy.set()
        await clock.settle()
        assert seen == [(1.0, "every"), (3.0, "every"), (3.0, "once"), (3.0, "every")]
        await clock.advance(1.0)
        assert seen[-1] == (4.0, "every")  # still on its grid
        assert await child.ask("count") == 5  # the same instance: its state kept
