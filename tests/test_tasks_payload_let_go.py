"""An agent keeps its one task envelope from task to task, but not the payload of a task it
is done with: a large payload, its submitter's handle dropped, is freed once nothing can
still name it, not kept until the agent's next task (which may never come). A task cut by
its supervisor keeps it only while the cut instance's handler may still raise (its crash
report names the task); a task taken back before its agent began it, not at all."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, ChildSpec, OneForAll, Supervisor, Task
from actorkit.testing import ManualClock

BOUND = 0.05


class Payload:
    """Stands for a large payload: weakly referenced, to see when it is freed."""


class Agent(Actor):
    """Hangs in any task; fails any other message. `starts` counts its instances."""

    capabilities = ("w",)

    def __init__(self, entered: asyncio.Event, starts: list[asyncio.Event]) -> None:
        self.entered = entered
        self.starts = starts

    async def on_start(self) -> None:
        self.starts.append(asyncio.Event())
        if len(self.starts) > 1:
            self.starts[0].set()

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task):
            self.entered.set()
            await asyncio.Event().wait()
        raise RuntimeError("a sibling crashed")


async def test_a_cut_task_s_payload_is_let_go_once_its_agent_restarts() -> None:
    entered = asyncio.Event()
    starts: list[asyncio.Event] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        specs = [
            ChildSpec(Agent, entered, starts, name="w"),
            ChildSpec(Agent, entered, [], name="c"),
        ]
        await system.spawn(Supervisor, specs, OneForAll(shutdown=BOUND), name="sup")
        payload = Payload()
        alive = weakref.ref(payload)
        hung = await system.submit(payload, requires=("w",))
        del payload
        await entered.wait()
        crasher = system.lookup("/sup/c")
        assert crasher is not None
        crasher.tell("crash")  # its restart cuts /sup/w's task past the shutdown time
        with pytest.raises(ActorStopped, match="cut by its supervisor's shutdown time"):
            await hung
        del hung
        await starts[0].wait()  # /sup/w runs again, with no task to take
        gc.collect()
        assert alive() is None


async def test_a_task_taken_back_before_its_agent_began_it_is_let_go(clock: ManualClock) -> None:
    class Held(Actor):
        capabilities = ("w",)

        def __init__(self, gate: asyncio.Event) -> None:
            self.gate = gate

        async def receive(self, message: Any) -> None:
            if message == "hold":
                await self.gate.wait()

    gate = asyncio.Event()
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Held, gate, name="w")
        ref.tell("hold")
        await clock.settle()
        payload = Payload()
        alive = weakref.ref(payload)
        handle = await system.submit(payload)  # queued at the agent, behind "hold"
        del payload
        assert handle.cancel()
        del handle
        gate.set()
        await clock.settle()
        gc.collect()
        assert alive() is None
