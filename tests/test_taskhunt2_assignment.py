"""An outside hunt over task assignment (API 6, 9): corners a job-queue user leans on, each
checked end to end through `submit`, the handle and `agents()`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorStopped,
    ActorSystem,
    Backoff,
    OneForOne,
    Task,
    TaskCancelled,
    TaskHandle,
    TaskStatus,
)
from actorkit.testing import ManualClock

from .tasks_support import Block, Fail, Journal, Worker


async def test_a_top_priority_task_nobody_can_take_holds_back_no_agent() -> None:
    """Each agent, as it frees, takes the best task it can serve; the unservable top task
    waits, visibly, and orders nothing behind it."""
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal, name="a", capabilities=("a",))
        await system.spawn(Worker, journal, name="b", capabilities=("b",))
        hold_a, hold_b = Block("hold_a"), Block("hold_b")
        first_a = await system.submit(hold_a, requires=("a",))
        first_b = await system.submit(hold_b, requires=("b",))
        await hold_a.entered.wait()
        await hold_b.entered.wait()
        top = await system.submit("top", priority=10, requires=("c",))
        a5 = await system.submit("a5", priority=5, requires=("a",))
        b5 = await system.submit("b5", priority=5, requires=("b",))
        any7 = await system.submit("any7", priority=7)
        any5 = await system.submit("any5", priority=5)
        assert (system.tasks.pending, system.tasks.unservable) == (5, 1)
        hold_a.release.set()
        assert [await h for h in (first_a, any7, a5, any5)][1:] == [
            ("a", "any7"),
            ("a", "a5"),
            ("a", "any5"),
        ]
        assert b5.status is TaskStatus.PENDING  # `b` is still held: `a` cannot serve it
        hold_b.release.set()
        assert await b5 == ("b", "b5")
        await first_b
        assert top.status is TaskStatus.PENDING
        assert (system.tasks.pending, system.tasks.unservable) == (1, 1)
        assert top.cancel() is True
    assert [(name, label) for name, label, _ in journal] == [
        ("a", "hold_a"),
        ("b", "hold_b"),
        ("a", "any7"),
        ("a", "a5"),
        ("a", "any5"),
        ("b", "b5"),
    ]


class CancelsItsOwn(Actor):
    """Cancels the task it is running (through the handle the test filed) and journals what
    `cancel()` returned and the status it saw at once; fails every attempt before `cancel_on`."""

    capabilities = ("work",)

    def __init__(self, handles: dict[int, TaskHandle], seen: list[Any]) -> None:
        self.handles, self.seen = handles, seen

    async def receive(self, message: Any) -> Any:
        assert isinstance(message, Task)
        label, cancel_on, then_fail = message.payload
        if message.attempt < cancel_on:
            raise RuntimeError(f"{label} attempt {message.attempt} failed")
        if cancel_on:
            handle = self.handles[message.id]
            self.seen.append((label, message.attempt, handle.cancel(), handle.status))
            if then_fail:
                raise RuntimeError(f"{label} failed after cancelling itself")
        return (self.name, label)


@pytest.mark.parametrize(("cancel_on", "then_fail"), [(1, False), (1, True), (2, True)])
async def test_an_agent_cancelling_its_own_task_ends_it_cancelled_and_takes_the_next(
    cancel_on: int, then_fail: bool
) -> None:
    handles: dict[int, TaskHandle] = {}
    seen: list[Any] = []
    async with ActorSystem() as system:
        await system.spawn(CancelsItsOwn, handles, seen, name="w")
        own = await system.submit(("own", cancel_on, then_fail), retries=1)
        handles[own.id] = own
        after = await system.submit(("after", 0, False))
        with pytest.raises(TaskCancelled, match=f"task {own.id} was cancelled"):
            await own
        assert own.cancel() is False
        assert await after == ("w", "after")  # the same agent, once it was free again
        assert seen == [("own", cancel_on, True, TaskStatus.CANCELLED)]
        assert (own.status, own.attempt) == (TaskStatus.CANCELLED, cancel_on)
        [info] = system.agents()
        failures = (cancel_on - 1) + then_fail
        assert (info.processed, info.failures, info.restarts) == (2 - then_fail, failures, failures)
        assert system.tasks.by_status == {
            "pending": 0,
            "running": 0,
            "succeeded": 1,
            "failed": 0,
            "expired": 0,
            "cancelled": 1,
        }


@pytest.mark.parametrize("fail", [False, True])
async def test_every_awaiter_sees_the_one_end_and_one_giving_up_changes_nothing(
    fail: bool,
) -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal, name="w")
        gate = Block(fail=fail)
        handle = await system.submit(gate)

        async def awaited() -> Any:
            return await handle

        waiting = [asyncio.create_task(awaited()) for _ in range(3)]
        waiting.append(asyncio.create_task(handle.result()))
        quitter = asyncio.create_task(handle.result())
        await gate.entered.wait()
        quitter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await quitter
        assert handle.status == "running"
        gate.release.set()
        outcomes = await asyncio.gather(*waiting, return_exceptions=True)
        ended = handle.status
        assert ended is (TaskStatus.FAILED if fail else TaskStatus.SUCCEEDED)
        if fail:
            assert all(outcome is outcomes[0] for outcome in outcomes)
            assert isinstance(outcomes[0], RuntimeError)
        else:
            assert outcomes == [("w", "block")] * 4


async def test_a_retry_waits_out_its_agents_backoff_with_each_state_shown(
    clock: ManualClock,
) -> None:
    """pending -> running (attempt 1) -> pending (the agent restarting) -> running (attempt 2)
    -> failed with attempt 2's error; `agents()` counts along."""
    journal: Journal = []
    strategy = OneForOne(max_restarts=10, within=100.0, backoff=Backoff(min=1.0, max=1.0, jitter=0))
    async with ActorSystem(clock=clock, supervisor=strategy) as system:
        await system.spawn(Worker, journal, name="w")
        hold = Block()
        held = await system.submit(hold)
        await hold.entered.wait()
        handle = await system.submit(Fail("f", 5), retries=1)
        assert (handle.status, handle.attempt) == (TaskStatus.PENDING, 1)
        hold.release.set()
        await held
        await clock.settle()
        [info] = system.agents()
        assert (handle.status, handle.attempt) == (TaskStatus.PENDING, 1)
        assert (info.state, info.processed, info.failures, info.restarts) == ("restarting", 1, 1, 0)
        assert (system.tasks.pending, system.tasks.unservable) == (1, 0)  # restarting counts
        await clock.advance(0.999)
        assert handle.status is TaskStatus.PENDING
        await clock.advance(0.001)  # the backoff ends: the restarted agent takes the retry
        with pytest.raises(RuntimeError, match="f failed attempt 2"):
            await handle
        assert (handle.status, handle.attempt) == (TaskStatus.FAILED, 2)
        await clock.advance(1.0)
        [info] = system.agents()
        assert (info.state, info.processed, info.failures, info.restarts) == ("idle", 1, 2, 2)
    assert journal == [("w", "block", 1), ("w", "f", 1), ("w", "f", 2)]


async def test_pending_tasks_fail_at_shutdown_in_the_order_they_would_have_started() -> None:
    """Best first across requirement sets (priority, then submission), as an agent able to
    serve them all would have taken them: the order their awaiters wake in."""
    system = await ActorSystem().start()
    specs = [(1, ()), (5, ("b",)), (3, ("a",)), (5, ()), (9, ("a", "b")), (3, ())]
    handles = [
        await system.submit(f"t{i}", priority=p, requires=r) for i, (p, r) in enumerate(specs)
    ]
    woken: list[int] = []

    async def awaited(handle: TaskHandle) -> None:
        with pytest.raises(ActorStopped, match=r"never started: the actor system .* is shut down"):
            await handle
        woken.append(handle.id)

    waiting = [asyncio.create_task(awaited(h)) for h in reversed(handles)]
    await asyncio.sleep(0)  # one turn: each awaiter is waiting on its handle
    await system.shutdown()
    await asyncio.gather(*waiting)
    priority = {h.id: p for h, (p, _) in zip(handles, specs, strict=True)}
    assert woken == sorted(priority, key=lambda i: (-priority[i], i)) == [5, 2, 4, 3, 6, 1]


async def test_a_retry_outliving_its_temporary_agent_waits_unservable_for_a_new_one(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    async with ActorSystem(clock=clock) as system:
        first = await system.spawn(Worker, journal, name="t", restart="temporary")
        handle = await system.submit(Fail("f", 1), retries=1)
        await clock.settle()
        assert not first.is_alive
        assert (handle.status, handle.attempt) == (TaskStatus.PENDING, 1)
        assert system.agents() == []
        assert (system.tasks.pending, system.tasks.unservable) == (1, 1)
        await system.spawn(Worker, journal, name="n")
        assert await handle == ("n", "f")
        assert (handle.status, handle.attempt) == (TaskStatus.SUCCEEDED, 2)
        assert (system.tasks.pending, system.tasks.unservable) == (0, 0)
    assert journal == [("t", "f", 1), ("n", "f", 2)]
