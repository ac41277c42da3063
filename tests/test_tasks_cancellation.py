"""Cancelling a task: pending, dispatched or running, and a caller giving up (API 9)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Task, TaskCancelled, TaskHandle, TaskStatus
from actorkit.testing import ManualClock

from .tasks_support import Block, Journal, Worker, labels, run


async def test_cancelling_a_pending_task() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal, name="w")
        gate = Block()
        first = await system.submit(gate)
        await gate.entered.wait()
        queued = await system.submit("never")
        assert queued.cancel() is True
        assert queued.cancel() is False
        assert queued.status is TaskStatus.CANCELLED
        assert queued.finished_at is not None
        with pytest.raises(TaskCancelled):
            await queued
        gate.release.set()
        await first
        assert first.cancel() is False
        assert system.tasks.by_status["cancelled"] == 1
        assert system.tasks.pending == 0
    assert labels(journal) == ["block"]


async def test_cancelling_a_pending_task_drops_its_deadline_timer(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        handle = await system.submit("x", requires=["nobody"], deadline=10.0)
        assert clock.pending == 1
        assert handle.cancel() is True
        assert clock.pending == 0
        assert (system.tasks.pending, system.tasks.unservable) == (0, 0)


async def test_cancelling_a_running_task_resolves_at_once_and_discards_its_result() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal, name="w")
        gate = Block()
        handle = await system.submit(gate)
        await gate.entered.wait()
        assert handle.cancel() is True
        with pytest.raises(TaskCancelled):
            await handle  # while the agent is still inside receive
        assert system.agents()[0].state == "busy"
        following = await system.submit("next")
        assert following.status is TaskStatus.PENDING  # the agent finishes first
        gate.release.set()
        assert await following == ("w", "next")
        assert handle.status is TaskStatus.CANCELLED
        assert system.tasks.by_status["succeeded"] == 1
    assert labels(journal) == ["block", "next"]


async def test_cancelling_a_dispatched_task_not_yet_picked_up_withdraws_it(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    async with ActorSystem(clock=clock) as system:
        worker = await system.spawn(Worker, journal, name="w")
        hold = Block("hold")
        worker.tell(hold)
        await hold.entered.wait()
        handle = await system.submit("queued")
        assert handle.status is TaskStatus.RUNNING
        assert handle.cancel() is True
        await clock.advance(0)
        assert [(info.state, info.mailbox_size) for info in system.agents()] == [("idle", 0)]
        hold.release.set()
        assert await run(system, "after") == ("w", "after")
        assert system.accounting().balanced
    assert labels(journal) == ["after"]


async def test_cancelling_a_dispatched_task_frees_its_agent_before_the_awaiter_wakes() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        worker = await system.spawn(Worker, journal, name="w")
        hold = Block("hold")
        worker.tell(hold)
        await hold.entered.wait()
        handle = await system.submit("cancelled")
        assert handle.cancel() is True
        assert [(info.state, info.current_task) for info in system.agents()] == [("idle", None)]
        with pytest.raises(TaskCancelled):
            await handle
        after = await system.submit("after")
        assert after.status is TaskStatus.RUNNING  # dispatched at once: the agent is free
        hold.release.set()
        assert await after == ("w", "after")
    assert labels(journal) == ["after"]


async def test_a_caller_giving_up_does_not_cancel_the_task() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal, name="w")
        gate = Block()
        handle = await system.submit(gate)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(handle.result(), timeout=0)
        assert handle.status is TaskStatus.RUNNING
        gate.release.set()
        assert await handle == ("w", "block")


async def test_a_caller_that_gave_up_in_the_turn_its_task_ended_does_not_break_that_end() -> None:
    """Its waiter is cancelled, but still listed until the caller runs again: the task's
    end passes it by rather than set a result on it (InvalidStateError in the cancel)."""
    async with ActorSystem() as system:
        handle = await system.submit("x", requires=("nobody",))
        caller = asyncio.create_task(handle.result())
        await asyncio.sleep(0)  # one step: the caller waits on the handle
        caller.cancel()
        assert handle.cancel() is True
        assert handle.status is TaskStatus.CANCELLED
        with pytest.raises(asyncio.CancelledError):
            await caller
        with pytest.raises(TaskCancelled):
            await handle


class CancelledAsItFails(Actor):
    """An agent that fails its task with a cancel of it queued: the cancel runs after the
    failure but before the task layer hears of it, which is a loop turn later."""

    capabilities = ("work",)

    def __init__(self, handles: list[TaskHandle], cancels: list[bool]) -> None:
        self.handles, self.cancels = handles, cancels

    async def receive(self, message: Any) -> Any:
        assert isinstance(message, Task)
        await message.payload.hold()
        handle = self.handles[0]
        asyncio.get_running_loop().call_soon(lambda: self.cancels.append(handle.cancel()))
        raise RuntimeError(f"attempt {message.attempt} failed")


async def test_a_cancel_after_the_last_attempt_failed_leaves_the_task_failed() -> None:
    handles: list[TaskHandle] = []
    cancels: list[bool] = []
    async with ActorSystem() as system:
        await system.spawn(CancelledAsItFails, handles, cancels)
        gate = Block()
        handles.append(handle := await system.submit(gate))
        await gate.entered.wait()
        gate.release.set()
        with pytest.raises(RuntimeError, match="attempt 1 failed"):
            await handle
        assert cancels == [False]
        assert handle.status is TaskStatus.FAILED
        assert (system.tasks.by_status["failed"], system.tasks.by_status["cancelled"]) == (1, 0)


async def test_a_cancel_after_a_failed_attempt_with_retries_left_cancels_the_retry() -> None:
    handles: list[TaskHandle] = []
    cancels: list[bool] = []
    async with ActorSystem() as system:
        await system.spawn(CancelledAsItFails, handles, cancels)
        gate = Block()
        handles.append(handle := await system.submit(gate, retries=1))
        await gate.entered.wait()
        gate.release.set()
        with pytest.raises(TaskCancelled):
            await handle
        assert cancels == [True]
        assert (handle.status, handle.attempt) == (TaskStatus.CANCELLED, 1)
        assert system.tasks.pending == 0


async def test_a_failure_reported_does_not_decide_the_agents_next_task() -> None:
    """A failure decides its own task's outcome until it is reported, and no longer: a
    cancel of the task the agent takes next (the same agent, restarted) cancels it."""
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal)
        first, second = Block("first", fail=True), Block("second")
        failing = await system.submit(first)
        cancelled = await system.submit(second)
        await first.entered.wait()
        first.release.set()
        with pytest.raises(RuntimeError, match="first failed after release"):
            await failing
        await second.entered.wait()
        assert cancelled.cancel()
        with pytest.raises(TaskCancelled):
            await cancelled
        second.release.set()
        assert (failing.status, cancelled.status) == (TaskStatus.FAILED, TaskStatus.CANCELLED)
        assert (system.tasks.by_status["failed"], system.tasks.by_status["cancelled"]) == (1, 1)
