"""Task-layer edges a mutation review of the runtime's last changes found untested (API 9,
"Tasks"): a cancel between an agent's forced stop and the report of its task, still queued
then (an attempt that never ran is no failure); the task-time histogram, from each task's
submit, of bounded memory; and the agents view between a failure and its report."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, TaskCancelled, TaskStatus
from actorkit._awaited import subtree
from actorkit._outside_stop import kill
from actorkit._stats import FOLD_AT
from actorkit.testing import ManualClock

from .tasks_support import Block, Fail, Journal, Worker

pytestmark = pytest.mark.timeout(10)
BOUND = 5


class HoldsFirst(Actor):
    """An agent busy with a message of its own, a task queued behind it."""

    capabilities = ("work",)

    def __init__(self, holding: asyncio.Event) -> None:
        self.holding = holding

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            self.holding.set()
            await asyncio.Event().wait()
        return message


async def test_a_cancel_after_the_agent_stopped_with_the_task_still_queued_wins() -> None:
    """The task never ran (still queued as its agent was stopped by force): that attempt is
    no failure, so a cancel before its report, on its last attempt, cancels it."""
    holding = asyncio.Event()
    cancels: list[bool] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        agent = await system.spawn(HoldsFirst, holding)
        agent.tell("hold")
        await holding.wait()
        handle = await system.submit("queued behind", retries=0)
        # Read into a local: mypy keeps a property narrowed by an assert past the awaits.
        status = handle.status
        assert status is TaskStatus.RUNNING
        loop = asyncio.get_running_loop()
        loop.call_soon(kill, subtree(agent._cell))
        loop.call_soon(lambda: cancels.append(handle.cancel()))  # before the report
        with pytest.raises(TaskCancelled):
            await handle
        assert cancels == [True] and handle.status is TaskStatus.CANCELLED
        assert system.accounting().balanced


async def test_a_tasks_time_is_from_its_submit_to_its_end(clock: ManualClock) -> None:
    """`actorkit_task_seconds` times each task from its submit, not from the clock's start,
    and stays a histogram of bounded memory past thousands of tasks."""
    journal: Journal = []
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        await system.spawn(Worker, journal, name="w")
        await clock.advance(100)
        block = Block()
        handle = await system.submit(block)
        await block.entered.wait()
        await clock.advance(2)
        block.release.set()
        await handle
        registry = system.metrics.registry
        assert registry.get_sample_value("actorkit_task_seconds_sum") == 2
        for _ in range(3 * FOLD_AT):
            (await system.submit("quick")).cancel()
        assert registry.get_sample_value("actorkit_task_seconds_count") == 1 + 3 * FOLD_AT
        durations = system._tasks.durations  # noqa: SLF001
        assert durations is not None and len(durations.pending) < FOLD_AT


async def test_an_agent_is_shown_restarting_from_its_failure_not_busy_until_reported() -> None:
    """The failed attempt's report comes a loop turn after the failure, the task held till
    then; the agent, suspended at once, is shown so from that turn (`AgentInfo.state`)."""
    journal: Journal = []
    seen: list[tuple[int, str]] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        await system.spawn(Worker, journal, name="w")
        handle = await system.submit(Fail("once", 1), retries=0)
        loop = asyncio.get_running_loop()

        def look() -> None:  # every loop turn until the task ended
            seen.extend((info.failures, info.state) for info in system.agents())
            if handle.status is TaskStatus.RUNNING:
                loop.call_soon(look)

        look()
        with pytest.raises(RuntimeError, match="once failed attempt 1"):
            await handle
        assert (1, "restarting") in seen and (1, "busy") not in seen
