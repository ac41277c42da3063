"""An agent whose failure its supervisor resumed takes tasks again: the resume is the event
that frees it, as a restart is (API 3, 6)."""

from __future__ import annotations

import asyncio
from typing import Literal

from actorkit import ActorSystem, OneForOne
from actorkit.testing import ManualClock

from .tasks_support import Fail, Journal, Worker, run

RESUMING = OneForOne(decider={RuntimeError: "resume"})


async def test_an_agent_resumed_after_a_failed_message_takes_the_next_task(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    async with asyncio.timeout(5), ActorSystem(clock=clock, supervisor=RESUMING) as system:
        ref = await system.spawn(Worker, journal, name="w")
        ref.tell("crash")
        await clock.settle()
        assert [info.state for info in system.agents()] == ["idle"]
        assert await run(system, "job") == ("w", "job")


async def test_a_failed_attempt_resumed_is_retried_on_the_same_agent(clock: ManualClock) -> None:
    journal: Journal = []
    async with asyncio.timeout(5), ActorSystem(clock=clock, supervisor=RESUMING) as system:
        await system.spawn(Worker, journal, name="w")
        assert await run(system, Fail("flaky", 1), retries=1) == ("w", "flaky")
    assert journal == [("w", "flaky", 1), ("w", "flaky", 2)]


class Remembered(Worker):
    """A `Worker` that leaves itself in `instances`, for a decider to reach."""

    def __init__(self, journal: Journal, instances: list[Worker]) -> None:
        super().__init__(journal)
        instances.append(self)


async def test_an_agent_resumed_with_its_stop_pending_is_not_handed_a_task(
    clock: ManualClock,
) -> None:
    """Its `self.stop()`, asked while its failure was decided, is carried out before anything
    else: the task waiting meanwhile is not handed to it only to be taken back, but waits for
    the restart that stop leads to."""
    journal: Journal = []
    instances: list[Worker] = []

    def stop_then_resume(error: BaseException) -> Literal["resume"]:
        instances[-1].stop()  # the agent is suspended, awaiting this decision
        return "resume"

    supervisor = OneForOne(decider=stop_then_resume)
    async with asyncio.timeout(5), ActorSystem(clock=clock, supervisor=supervisor) as system:
        ref = await system.spawn(Remembered, journal, instances, name="w")
        ref.tell("crash")
        assert await run(system, "job", requires=["work"]) == ("w", "job")
        [info] = system.agents()
        # Handed the task behind the crash, it gets it back only once restarted.
        assert [state for _, state in info.history] == [
            "idle",
            "busy",
            "restarting",
            "busy",
            "idle",
        ]
    assert journal == [("w", "job", 1)]
    assert len(instances) == 2  # the task ran on the restarted instance
