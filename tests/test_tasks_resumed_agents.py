"""An agent whose failure its supervisor resumed takes tasks again: the resume is the event
that frees it, as a restart is (API 3, 6)."""

from __future__ import annotations

import asyncio

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
