"""API.md sections 6 and 9 (tasks), what no other test pinned: only agents get tasks (an actor
spawned with no capability is none), a task goes to an idle agent rather than behind a busy
one, and the ways a handle ends as `await handle.result()` sees them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorSystem,
    DeadlineExceeded,
    Task,
    TaskCancelled,
    TaskStatus,
)
from actorkit.testing import ManualClock

from .tasks_support import Block, Fail, Journal, Worker


class Plain(Actor):
    """Records whatever reaches it: a task never should."""

    def __init__(self, got: list[Any]) -> None:
        self.got = got

    async def receive(self, message: Any) -> Any:
        self.got.append(message)
        return message


async def test_an_actor_without_capabilities_is_no_agent_and_gets_no_task() -> None:
    got: list[Any] = []
    async with asyncio.timeout(10), ActorSystem() as system:
        await system.spawn(Plain, got, name="plain")
        await system.spawn(Plain, got, name="empty", capabilities=())
        handle = await system.submit("job")
        assert system.agents() == []
        assert handle.status is TaskStatus.PENDING
        assert (system.tasks.pending, system.tasks.unservable) == (1, 1)
        journal: Journal = []
        await system.spawn(Worker, journal, name="agent")
        assert await handle == ("agent", "job")
    assert got == []


async def test_a_task_goes_to_the_idle_agent_not_behind_the_busy_one() -> None:
    """The busy agent is the one the choice among idle agents would prefer (fewer
    capabilities): only its being busy sends the task to the other."""
    journal: Journal = []
    async with asyncio.timeout(10), ActorSystem() as system:
        await system.spawn(Worker, journal, name="narrow")
        await system.spawn(Worker, journal, name="wide", capabilities=["extra"])
        gate = Block("gate")
        held = await system.submit(gate)
        await gate.entered.wait()
        following = await system.submit("next")
        gate.release.set()
        assert [await held, await following] == [("narrow", "gate"), ("wide", "next")]


async def test_result_raises_as_await_does_for_each_way_a_task_ends_badly(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        failed = await system.submit(Fail("broken", times=9))
        expired = await system.submit("late", requires=["nobody"], deadline=1.0)
        cancelled = await system.submit("never", requires=["nobody"])
        assert cancelled.cancel() is True
        await system.spawn(Worker, journal, name="w")
        await clock.advance(1.0)
        with pytest.raises(RuntimeError, match="broken failed attempt 1"):
            await failed.result()
        with pytest.raises(DeadlineExceeded):
            await expired.result()
        with pytest.raises(TaskCancelled):
            await cancelled.result()
        statuses = [handle.status for handle in (failed, expired, cancelled)]
        assert statuses == [TaskStatus.FAILED, TaskStatus.EXPIRED, TaskStatus.CANCELLED]


class Recorder(Actor):
    capabilities = ("record",)

    def __init__(self, tasks: list[Task]) -> None:
        self.tasks = tasks

    async def receive(self, message: Any) -> Any:
        self.tasks.append(message)
        if message.attempt == 1:
            raise RuntimeError("first attempt fails")
        return message.attempt


async def test_a_retry_is_the_same_task_with_its_attempt_counted_up(clock: ManualClock) -> None:
    tasks: list[Task] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Recorder, tasks)
        handle = await system.submit("p", priority=2, deadline=60.0, requires=["record"], retries=1)
        assert await handle == 2
    first, second = tasks
    assert second == Task(
        id=first.id,
        payload="p",
        priority=2,
        deadline=first.deadline,
        requires=frozenset({"record"}),
        attempt=2,
    )
    assert first.attempt == 1


async def test_priority_then_submission_order_holds_across_requirement_sets() -> None:
    """Tasks needing different capabilities wait apart; one agent able to serve them all still
    takes them highest priority first, then first submitted, whatever each one requires."""
    journal: Journal = []
    async with asyncio.timeout(10), ActorSystem() as system:
        await system.spawn(Worker, journal, name="w", capabilities=["x", "y", "z"])
        gate = Block("gate")
        held = await system.submit(gate)
        await gate.entered.wait()
        order = [
            ("a", 1, ["x"]),
            ("b", 1, ["y"]),
            ("c", 1, []),
            ("d", 1, ["x", "y"]),
            ("e", 2, ["z"]),
            ("f", 2, []),
            ("g", 0, ["x"]),
            ("h", 2, ["x"]),
        ]
        handles = [await system.submit(label, priority=p, requires=r) for label, p, r in order]
        gate.release.set()
        await asyncio.gather(held, *handles)
    assert [label for _, label, _ in journal] == ["gate", "e", "f", "h", "a", "b", "c", "d", "g"]
