"""A task an agent submits from the handler of an ordinary message: that agent holds no task,
so it is idle and may be handed the task itself, which then waits behind the handler, its
deadline passed unseen (docs/api.md §9 "Tasks")."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, Task, TaskHandle, TaskStatus
from actorkit.testing import ManualClock


class Orchestrator(Actor):
    capabilities = ("w",)

    def __init__(self, submitted: list[TaskHandle], events: tuple[asyncio.Event, ...]) -> None:
        self.submitted = submitted
        self.ready, self.go = events

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task):
            return (self.name, message.payload)
        self.submitted.append(await self.system.submit("sub", requires=("w",), deadline=1.0))
        self.ready.set()
        await self.go.wait()  # as an `await handle` here would, for ever
        return None


async def test_a_task_submitted_from_a_handler_may_go_to_its_submitter_and_wait_for_it() -> None:
    clock = ManualClock()
    submitted: list[TaskHandle] = []
    ready, go = events = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        first = await system.spawn(Orchestrator, submitted, events, name="a")
        await system.spawn(Orchestrator, submitted, events, name="b")
        first.tell("orchestrate")
        await ready.wait()
        (handle,) = submitted
        # `/a`, idle longest, took it though `/b` was free: it was only handling a message.
        assert {a.path: a.current_task for a in system.agents()} == {"/a": handle.id, "/b": None}
        await clock.advance(2.0)  # handed over, it no longer expires
        assert handle.status is TaskStatus.RUNNING
        go.set()
        assert await handle == ("a", "sub")
