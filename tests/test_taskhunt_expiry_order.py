"""Tasks whose deadlines fall together expire in the order of their deadlines and then of
submission (API 6), whichever way the expiry is found: by the one deadline timer, or by an
agent freed at the deadline before that timer ran, and a retry waiting again included."""

from __future__ import annotations

import asyncio

from actorkit import ActorSystem, Backoff, DeadlineExceeded, OneForOne, TaskHandle
from actorkit.testing import ManualClock

from .tasks_support import Block, Fail, Journal, Worker


def expiries(order: list[str], handles: dict[str, TaskHandle]) -> list[asyncio.Task[None]]:
    """An awaiter per handle, each noting its name as its task's expiry wakes it: awaiters
    wake in the order their tasks ended."""

    async def note(name: str, handle: TaskHandle) -> None:
        try:
            await handle
        except DeadlineExceeded:
            order.append(name)

    return [asyncio.create_task(note(name, handle)) for name, handle in handles.items()]


async def test_a_retry_waiting_again_expires_before_a_task_submitted_after_it(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    slow_restart = OneForOne(backoff=Backoff(min=10.0, max=10.0, jitter=0.0))
    async with asyncio.timeout(10), ActorSystem(clock=clock, supervisor=slow_restart) as system:
        await system.spawn(Worker, journal, name="w")
        first = await system.submit(Fail("first", times=1), retries=1, deadline=5.0)
        second = await system.submit("second", deadline=5.0)  # waits: `w` holds `first`
        await clock.settle()  # `first` failed and waits again, for `w`'s restart
        assert (first.status, second.status) == ("pending", "pending")
        order: list[str] = []
        awaiters = expiries(order, {"second": second, "first": first})
        await clock.advance(5.0)
        await asyncio.gather(*awaiters)
        assert order == ["first", "second"]
    assert journal == [("w", "first", 1)]


async def test_tasks_found_expired_by_a_freed_agent_expire_by_submission_not_priority(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Worker, journal, name="w")
        gate = Block()
        running = await system.submit(gate)
        await gate.entered.wait()
        clock.call_at(5.0, gate.release.set)  # before the deadlines' timer, due then too
        low = await system.submit("low", deadline=5.0)
        high = await system.submit("high", priority=9, deadline=5.0)
        later = await system.submit("later", deadline=6.0)  # the freed agent's, once they expired
        order: list[str] = []
        awaiters = expiries(order, {"high": high, "low": low})
        await clock.advance(5.0)
        await asyncio.gather(*awaiters)
        assert order == ["low", "high"]
        assert await running == ("w", "block")
        assert await later == ("w", "later")
        assert clock.pending == 0
    assert [label for _, label, _ in journal] == ["block", "later"]


async def test_a_retry_found_past_its_deadline_expires_after_a_task_submitted_before_it(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Worker, journal, name="w")
        slow = Block("slow", fail=True)
        clock.call_at(5.0, slow.release.set)  # fails at the deadline, before its timer ran
        earlier = await system.submit("earlier", requires=["nobody"], deadline=5.0)
        retried = await system.submit(slow, retries=1, deadline=5.0)
        await slow.entered.wait()
        order: list[str] = []
        awaiters = expiries(order, {"retried": retried, "earlier": earlier})
        await clock.advance(5.0)
        await asyncio.gather(*awaiters)
        assert order == ["earlier", "retried"]
    assert journal == [("w", "slow", 1)]
