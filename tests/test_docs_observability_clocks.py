"""docs/observability.md, "Durations of work are in real time": under a `ManualClock`, an ask
that the test times out by advancing the clock a second is observed at the real time it
waited, while a task's duration, submit to finish, moves with the system's clock."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, AskTimeout, Task
from actorkit.testing import ManualClock

BOUND = 5.0
ADVANCED = 60.0


class Holds(Actor):
    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        await self.gate.wait()
        return message


class Agent(Actor):
    capabilities = ("clocks",)

    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Task) -> Any:
        await self.gate.wait()
        return message.payload


def sample(system: ActorSystem, name: str, labels: dict[str, str] | None = None) -> float:
    value = system.metrics.registry.get_sample_value(name, labels or {})
    assert value is not None, name
    return value


async def test_an_ask_timed_out_by_the_test_clock_is_observed_at_the_real_time_it_waited() -> None:
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        gate = asyncio.Event()
        ref = await system.spawn(Holds, gate)
        ref.tell("held")  # the ask queues behind it
        asked = asyncio.create_task(ref.ask("late", timeout=1.0))
        await clock.settle()  # the ask is made, and waits behind "held"
        await clock.advance(ADVANCED)
        try:
            await asked
        except AskTimeout:
            pass
        else:
            raise AssertionError("the ask should have timed out")
        labels = {"actor_type": "Holds"}
        assert sample(system, "actorkit_ask_seconds_count", labels) == 1
        assert sample(system, "actorkit_ask_seconds_sum", labels) < 1.0  # real time, not 60 s
        gate.set()


async def test_a_tasks_duration_moves_with_the_system_clock() -> None:
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        gate = asyncio.Event()
        await system.spawn(Agent, gate)
        handle = await system.submit("work", requires=("clocks",))
        await clock.advance(ADVANCED)
        gate.set()
        assert await handle == "work"
        assert sample(system, "actorkit_task_seconds_count") == 1
        assert sample(system, "actorkit_task_seconds_sum") >= ADVANCED
