"""The root's give-up counted when a shutdown cuts it short: the root stops its children
before the system fails, and a shutdown past its timeout cancels that wait, but the system
fails all the same (`system.failure`, `SystemFailed`), so the give-up that failed it is one
of `actorkit_supervisor_escalations_total{actor_type="ActorSystem"}`, as a crash report
already said `give_up`."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, OneForOne, SupervisorGaveUp
from actorkit.testing import ManualClock


class Holds(Actor):
    """Handles "hold" until the test ends: the root's give-up waits for it to return."""

    def __init__(self, entered: asyncio.Event) -> None:
        self.entered = entered

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            self.entered.set()
            await asyncio.Event().wait()
        if message == "crash":
            raise ValueError("fails on purpose")
        return message


async def test_a_root_give_up_cut_by_the_shutdown_is_counted_as_the_escalation_it_was() -> None:
    clock = ManualClock()
    entered = asyncio.Event()
    system = ActorSystem(clock=clock, supervisor=OneForOne(max_restarts=0))
    labels = {"actor_type": "ActorSystem"}
    async with asyncio.timeout(10):
        await system.start()
        held = await system.spawn(Holds, entered)
        held.tell("hold")
        await entered.wait()
        (await system.spawn(Holds, entered)).tell("crash")
        await clock.settle()  # the root decided to give up and waits for the held handler
        waiting = system.failure
        await system.shutdown(timeout=0)
    assert waiting is None  # the give-up was under way, cut by the shutdown
    assert isinstance(system.failure, SupervisorGaveUp)
    sample = system.metrics.registry.get_sample_value
    assert sample("actorkit_supervisor_escalations_total", labels) == 1.0
