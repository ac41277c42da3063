"""A failed attempt between its failure and its report a loop turn later (`Agent.unreported`):
its agent stopped meanwhile, its task cancelled then with a task waiting behind it, failures
back to back on one agent, and a cancel of a retry already started (API 9, "Tasks")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Task, TaskCancelled, TaskHandle, TaskStatus
from actorkit._awaited import subtree
from actorkit._outside_stop import kill

from .tasks_support import Block, Fail, Journal, Worker

pytestmark = pytest.mark.timeout(10)


class StopsAsItFails(Actor):
    """Its handler stops the agent (and maybe cancels the task) in the turn it fails."""

    capabilities = ("work",)

    def __init__(self, handles: list[TaskHandle], cancels: list[bool], how: str) -> None:
        self.handles, self.cancels, self.how = handles, cancels, how

    async def receive(self, message: Any) -> Any:
        assert isinstance(message, Task)
        if message.attempt > 1 or message.payload == "fine":
            return ("ok", message.attempt)
        if self.how in ("stop", "both"):  # forced (a stop's timeout, a shutdown's) in the
            cell = self._cell  # turn it fails, before the failure's report
            asyncio.get_running_loop().call_soon(lambda: kill(subtree(cell)))
        if self.how in ("cancel", "both"):
            handle = self.handles[0]
            asyncio.get_running_loop().call_soon(lambda: self.cancels.append(handle.cancel()))
        raise RuntimeError(f"attempt {message.attempt} failed")


def agents_of(system: ActorSystem) -> list[Any]:
    return list(system._tasks._agents.values())  # noqa: SLF001


@pytest.mark.parametrize("retries", [0, 1])
@pytest.mark.parametrize("how", ["stop", "both"])
async def test_an_agent_stopped_before_its_failure_is_reported(retries: int, how: str) -> None:
    handles: list[TaskHandle] = []
    cancels: list[bool] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        first = await system.spawn(StopsAsItFails, handles, cancels, how)
        handles.append(handle := await system.submit("x", retries=retries))
        if retries and how == "stop":
            while first.is_alive:  # the retry waits for an agent
                await asyncio.sleep(0)
            assert handle.status is TaskStatus.PENDING
            await system.spawn(StopsAsItFails, handles, cancels, "stop")
            assert await handle == ("ok", 2)
        elif retries:
            with pytest.raises(TaskCancelled):
                await handle
            assert cancels == [True]
        else:
            with pytest.raises(RuntimeError, match="attempt 1 failed"):
                await handle
            assert cancels == ([False] if how == "both" else [])
        assert not first.is_alive
        if not (retries and how == "stop"):
            await system.spawn(StopsAsItFails, handles, cancels, "stop")
        assert await (await system.submit("fine")) == ("ok", 1)
        assert all(agent.unreported is None for agent in agents_of(system))
        assert system.tasks.pending == 0


async def test_a_cancel_between_a_failure_and_its_report_frees_the_agent_for_the_next() -> None:
    handles: list[TaskHandle] = []
    cancels: list[bool] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        await system.spawn(StopsAsItFails, handles, cancels, "cancel")
        handles.append(handle := await system.submit("x", retries=2))
        waiting = await system.submit("fine")
        with pytest.raises(TaskCancelled):
            await handle
        assert cancels == [True]
        assert await waiting == ("ok", 1)
        assert (handle.status, handle.attempt) == (TaskStatus.CANCELLED, 1)
        assert [info.state for info in system.agents()] == ["idle"]


async def test_failures_back_to_back_on_one_agent_leave_nothing_unreported() -> None:
    journal: Journal = []
    async with asyncio.timeout(5), ActorSystem() as system:
        await system.spawn(Worker, journal, name="w")
        first = await system.submit(Fail("one", 1))
        second = await system.submit(Fail("two", 1))
        third = await system.submit(Fail("three", 1), retries=1)
        for handle, label in ((first, "one"), (second, "two")):
            with pytest.raises(RuntimeError, match=f"{label} failed attempt 1"):
                await handle
        assert await third == ("w", "three")
        assert third.attempt == 2
        (agent,) = agents_of(system)
        assert agent.unreported is None
        gate = Block()
        running = await system.submit(gate)
        await gate.entered.wait()
        assert running.cancel() is True  # no failure of an earlier task decides it
        with pytest.raises(TaskCancelled):
            await running
        gate.release.set()
        assert await (await system.submit("after")) == ("w", "after")


async def test_a_cancel_of_a_retry_already_running_cancels_it() -> None:
    journal: Journal = []

    class FailsThenHolds(Worker):
        gate = Block()

        async def receive(self, message: Any) -> Any:
            if isinstance(message, Task) and message.attempt == 2:
                await self.gate.hold()
                return "late"
            return await super().receive(message)

    async with asyncio.timeout(5), ActorSystem() as system:
        await system.spawn(FailsThenHolds, journal, name="w")
        handle = await system.submit(Fail("flaky", 1), retries=3)
        await FailsThenHolds.gate.entered.wait()
        assert handle.attempt == 2
        assert handle.cancel() is True
        with pytest.raises(TaskCancelled):
            await handle
        FailsThenHolds.gate.release.set()
        assert await (await system.submit("next")) == ("w", "next")
        assert handle.status is TaskStatus.CANCELLED
        assert system.tasks.by_status["cancelled"] == 1
