"""Task deadlines: a task not started by its deadline expires, a started one runs on (API 6)."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import Actor, ActorRef, ActorStopped, ActorSystem, DeadlineExceeded, Task, TaskStatus
from actorkit.testing import ManualClock

from .tasks_support import Block, Echo, Journal, Worker, labels


async def test_a_task_not_started_expires_exactly_at_its_deadline(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        await clock.advance(1.0)
        handle = await system.submit("late", requires=["nobody"], deadline=2.5)
        assert clock.next_due() == 3.5
        await clock.advance(2.25)
        # Read into a local: mypy keeps a property narrowed by an assert past the awaits.
        status = handle.status
        assert status is TaskStatus.PENDING
        await clock.advance(0.25)
        assert handle.status is TaskStatus.EXPIRED
        assert handle.finished_at == 3.5
        with pytest.raises(DeadlineExceeded) as raised:
            await handle
        assert str(raised.value) == (  # seconds since the submit, not readings of the clock
            "task 1 was not started before its deadline: it had 2.5 s from submission and "
            "waited 2.5 s; give it a later deadline or more agents with ['nobody']"
        )
        assert system.tasks.by_status["expired"] == 1
        assert (system.tasks.pending, system.tasks.unservable) == (0, 0)
        assert handle.cancel() is False


async def test_a_started_task_is_not_expired_and_sees_its_deadline(clock: ManualClock) -> None:
    journal: Journal = []
    async with ActorSystem(clock=clock) as system:
        await system.spawn(Worker, journal, name="w")
        gate = Block()
        handle = await system.submit(gate, deadline=1.0)
        await gate.entered.wait()
        waiting = await system.submit("behind", deadline=2.0)
        await clock.advance(5.0)
        assert handle.status is TaskStatus.RUNNING
        assert waiting.status is TaskStatus.EXPIRED
        gate.release.set()
        assert await handle == ("w", "block")
        assert clock.pending == 0
    assert labels(journal) == ["block"]


# An agent that frees up (or is spawned) at the deadline, by a timer due then that runs
# before the deadline's own: dispatch finds the deadline passed before its timer has run, as
# when an agent's work holds the loop past it.
@pytest.mark.parametrize(("free_at", "status"), [(4.75, "succeeded"), (5.0, "expired")])
async def test_a_task_is_not_started_by_an_agent_freed_at_or_after_its_deadline(
    clock: ManualClock, free_at: float, status: str
) -> None:
    journal: Journal = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Worker, journal, name="w")
        gate = Block()
        running = await system.submit(gate)
        await gate.entered.wait()
        clock.call_at(free_at, gate.release.set)
        waiting = await system.submit("waiting", deadline=5.0)
        await clock.advance(5.0)
        assert waiting.status == status
        assert waiting.finished_at == free_at
        assert await running == ("w", "block")
        if status == "expired":
            with pytest.raises(DeadlineExceeded):
                await waiting
            assert waiting.started_at is None
        assert clock.pending == 0
    assert labels(journal) == ["block", "waiting"][: 1 + (status == "succeeded")]


@pytest.mark.parametrize(("spawn_at", "status"), [(4.75, "succeeded"), (5.0, "expired")])
async def test_a_task_is_not_started_by_an_agent_spawned_at_or_after_its_deadline(
    clock: ManualClock, spawn_at: float, status: str
) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        spawning: list[asyncio.Task[ActorRef]] = []
        clock.call_at(
            spawn_at, lambda: spawning.append(asyncio.create_task(system.spawn(Echo, name="e")))
        )
        waiting = await system.submit("waiting", requires=["echo"], deadline=5.0)
        await clock.advance(5.0)
        await spawning[0]
        assert waiting.status == status
        assert waiting.finished_at == spawn_at
        assert clock.pending == 0


async def test_a_retry_due_after_the_deadline_expires_with_the_failure_as_cause(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    async with ActorSystem(clock=clock) as system:
        await system.spawn(Worker, journal, name="w")
        slow = Block("slow", fail=True)
        handle = await system.submit(slow, deadline=1.0, retries=3)
        await slow.entered.wait()
        await clock.advance(2.0)
        slow.release.set()
        with pytest.raises(
            DeadlineExceeded, match="had 1 s from submission and waited 2 s;"
        ) as raised:
            await handle
        assert isinstance(raised.value.__cause__, RuntimeError)
        assert handle.status is TaskStatus.EXPIRED
        assert handle.attempt == 1
    assert len(journal) == 1


async def test_an_attempt_failing_exactly_at_the_deadline_is_not_retried_on_an_idle_agent(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Worker, journal, name="w1")
        await system.spawn(Worker, journal, name="w2")
        slow = Block("slow", fail=True)
        handle = await system.submit(slow, deadline=1.0, retries=3)
        await slow.entered.wait()
        clock.call_at(1.0, slow.release.set)
        await clock.advance(1.0)
        with pytest.raises(DeadlineExceeded) as raised:
            await handle
        assert isinstance(raised.value.__cause__, RuntimeError)
        assert handle.status is TaskStatus.EXPIRED
        assert handle.finished_at == 1.0
    assert len(journal) == 1


async def test_a_retry_still_queued_at_its_deadline_expires_with_the_failure_as_cause(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    async with ActorSystem(clock=clock) as system:
        await system.spawn(Worker, journal, name="w")
        first = Block("first", fail=True)
        handle = await system.submit(first, deadline=5.0, retries=1)
        await first.entered.wait()
        ahead = Block("ahead")
        running = await system.submit(ahead, priority=10)  # outranks the retry
        first.release.set()
        await ahead.entered.wait()  # `w`, restarted, took `ahead`: the retry waits
        assert handle.status is TaskStatus.PENDING
        await clock.advance(6.0)
        with pytest.raises(DeadlineExceeded) as raised:
            await handle
        assert repr(raised.value.__cause__) == repr(RuntimeError("first failed after release"))
        assert str(raised.value) == (  # its first attempt did start: "not started" would mislead
            "task 1 could not be retried before its deadline: it had 5 s from submission and "
            "waited 5 s; give it a later deadline or more agents with any capability"
        )
        ahead.release.set()
        await running
    assert labels(journal) == ["first", "ahead"]


async def test_a_retry_still_queued_at_shutdown_fails_with_the_failure_as_cause() -> None:
    journal: Journal = []
    system = await ActorSystem().start()
    await system.spawn(Worker, journal, name="w")
    first = Block("first", fail=True)
    handle = await system.submit(first, retries=1)
    await first.entered.wait()
    ahead = Block("ahead")
    running = await system.submit(ahead, priority=10)
    first.release.set()
    await ahead.entered.wait()
    shutting = asyncio.ensure_future(system.shutdown())
    with pytest.raises(ActorStopped, match="could not be retried") as raised:
        await handle
    assert repr(raised.value.__cause__) == repr(RuntimeError("first failed after release"))
    ahead.release.set()
    await shutting
    assert await running == ("w", "ahead")


async def test_a_task_taken_back_during_shutdown_never_started_and_says_so() -> None:
    journal: Journal = []
    async with asyncio.timeout(5):
        system = await ActorSystem().start()
        worker = await system.spawn(Worker, journal, name="w")
        crash = Block("crash", fail=True)
        worker.tell(crash)
        await crash.entered.wait()
        queued = await system.submit("queued", retries=2)
        shutting = asyncio.ensure_future(system.shutdown())
        crash.release.set()  # the crash while draining stops the worker: `queued` comes back
        with pytest.raises(ActorStopped, match="never started") as raised:
            await queued
        assert raised.value.__cause__ is None
        await shutting
    assert journal == []


class TimeLeft(Actor):
    """An agent that works out how long it has left before its task's deadline."""

    capabilities = ("timed",)

    async def receive(self, message: Task) -> float:
        assert message.deadline is not None
        return message.deadline - self.system.now()


async def test_an_agent_reads_its_time_left_on_the_system_clock(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        await clock.advance(10.0)
        assert system.now() == 10.0
        await system.spawn(TimeLeft)
        assert await (await system.submit("x", requires=["timed"], deadline=3.0)) == 3.0


async def test_the_default_clock_is_the_event_loops_time() -> None:
    async with ActorSystem() as system:
        before = asyncio.get_running_loop().time()
        assert before <= system.now() <= asyncio.get_running_loop().time()


async def test_a_task_started_before_its_deadline_holds_no_timer(clock: ManualClock) -> None:
    """Its deadline no longer applies once it started: the timer goes then, not at the
    deadline, which may be hours after the task ran."""
    journal: Journal = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Worker, journal, name="w")
        first, second = Block("first"), Block("second")
        running = await system.submit(first)
        await first.entered.wait()
        waiting = await system.submit(second, deadline=3600.0)
        assert clock.pending == 1
        first.release.set()
        await second.entered.wait()
        assert waiting.status is TaskStatus.RUNNING
        assert clock.pending == 0
        second.release.set()
        assert [await running, await waiting] == [("w", "first"), ("w", "second")]
