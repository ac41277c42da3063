"""Tasks for agents: assignment, priorities, deadlines, retries, cancellation (API 6, 9)."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import itertools
import logging
import math
import traceback
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import generate_latest

from actorkit import (
    Actor,
    ActorRef,
    ActorStopped,
    ActorSystem,
    AgentInfo,
    Backoff,
    ChildSpec,
    DeadlineExceeded,
    NotDelivered,
    OneForAll,
    OneForOne,
    Supervisor,
    Task,
    TaskCancelled,
    TaskHandle,
    TaskStatus,
)
from actorkit.testing import ManualClock

Journal = list[tuple[str, Any, int]]


class Block:
    """Holds whoever handles it (as a task payload or an ordinary message) until released;
    with `fail=True` it then raises."""

    def __init__(self, label: str = "block", *, fail: bool = False) -> None:
        self.label = label
        self.fail = fail
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def hold(self) -> None:
        self.entered.set()
        await self.release.wait()
        if self.fail:
            raise RuntimeError(f"{self.label} failed after release")


class Fail:
    """A task payload whose first `times` attempts raise."""

    def __init__(self, label: str, times: int) -> None:
        self.label = label
        self.times = times


class Worker(Actor):
    """An agent with the `work` capability that journals every task attempt it handles."""

    capabilities = ("work",)

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task):
            payload = message.payload
            label = getattr(payload, "label", payload)
            self.journal.append((self.name, label, message.attempt))
            if isinstance(payload, Block):
                await payload.hold()
            elif isinstance(payload, Fail) and message.attempt <= payload.times:
                raise RuntimeError(f"{label} failed attempt {message.attempt}")
            return (self.name, label)
        if isinstance(message, Block):
            await message.hold()
        elif message == "crash":
            raise RuntimeError("an ordinary message crashed")
        return None


class Echo(Actor):
    capabilities = ("echo",)

    async def receive(self, message: Any) -> Any:
        return message


class Plain(Actor):
    """No capabilities: not an agent."""


async def run(system: ActorSystem, payload: Any, **options: Any) -> Any:
    return await (await system.submit(payload, **options))


def labels(journal: Journal) -> list[Any]:
    return [label for _, label, _ in journal]


# --- delivery and results ----------------------------------------------------------------
async def test_agent_gets_the_task_record_and_its_return_value_is_the_result(
    clock: ManualClock,
) -> None:
    async with ActorSystem(clock=clock) as system:
        await system.spawn(Echo, name="echo", capabilities=["extra"])
        await clock.advance(10.0)
        handle = await system.submit("hi", priority=3, deadline=5.0, requires=["extra"])
        assert isinstance(handle, TaskHandle)
        task = await handle
        assert task == Task(
            id=handle.id,
            payload="hi",
            priority=3,
            deadline=15.0,
            requires=frozenset({"extra"}),
            attempt=1,
        )
        assert await handle.result() is task
        assert handle.status is TaskStatus.SUCCEEDED
        assert handle.status == "succeeded"
        assert (handle.submitted_at, handle.started_at, handle.finished_at) == (10.0, 10.0, 10.0)
        assert handle.attempt == 1
        assert handle.cancel() is False
        second = await system.submit("again")
        assert second.id != handle.id
        assert (await second).deadline is None


async def test_tasks_and_ordinary_messages_share_the_mailbox_in_order() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        worker = await system.spawn(Worker, journal, name="w")
        hold = Block("hold")
        worker.tell(hold)
        await hold.entered.wait()
        handle = await system.submit("task")
        assert handle.status is TaskStatus.RUNNING  # dispatched: queued behind `hold`
        assert handle.started_at is not None
        assert [info.mailbox_size for info in system.agents()] == [1]
        assert [info.current_task for info in system.agents()] == [handle.id]
        hold.release.set()
        assert await handle == ("w", "task")
        assert system.agents()[0].processed == 2
        assert system.agents()[0].current_task is None


# --- ordering and matching -----------------------------------------------------------------
async def test_highest_priority_first_then_first_submitted() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal, name="w")
        gate = Block("gate")
        first = await system.submit(gate)
        await gate.entered.wait()
        order = [("a", 0), ("b", 5), ("c", 0), ("d", 5), ("e", -1), ("f", 9)]
        handles = [await system.submit(label, priority=priority) for label, priority in order]
        assert system.tasks.pending == 6
        assert system.tasks.running == 1
        gate.release.set()
        await asyncio.gather(first, *handles)
    assert labels(journal) == ["gate", "f", "b", "d", "a", "c", "e"]


async def test_a_task_goes_to_an_agent_with_every_required_capability() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal, name="en", capabilities=["en"])
        await system.spawn(Worker, journal, name="enfr", capabilities=("en", "fr"))
        await system.spawn(Worker, journal, name="gpu", capabilities={"gpu"})
        assert await run(system, "x", requires=["fr"]) == ("enfr", "x")
        assert await run(system, "y", requires=("fr", "en")) == ("enfr", "y")
        assert await run(system, "z", requires={"gpu", "work"}) == ("gpu", "z")
        # Both fit; the less capable agent is chosen, keeping the specialist free.
        assert await run(system, "w", requires=["en"]) == ("en", "w")


async def test_idle_agents_take_turns_within_a_capability_set() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        for name in ("a", "b", "c"):
            await system.spawn(Worker, journal, name=name)
        for i in range(6):
            await run(system, i)
    assert [agent for agent, _, _ in journal] == ["a", "b", "c", "a", "b", "c"]


async def test_an_agent_back_from_a_restart_has_idled_less_than_one_idle_all_along(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        back = await system.spawn(Worker, journal, name="back")
        await system.spawn(Worker, journal, name="along")
        back.tell("crash")
        await clock.settle()
        [restarted, _] = system.agents()
        assert [state for _, state in restarted.history] == ["idle", "restarting", "idle"]
        assert await run(system, "job") == ("along", "job")


async def test_a_task_no_agent_can_serve_waits_visibly_until_one_is_spawned() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal, name="cpu")
        handle = await system.submit("frame", requires=["gpu"])
        assert handle.status is TaskStatus.PENDING
        assert handle.started_at is None
        assert (system.tasks.pending, system.tasks.unservable) == (1, 1)
        await system.spawn(Worker, journal, name="gpu", capabilities=["gpu"])
        assert await handle == ("gpu", "frame")
        assert (system.tasks.pending, system.tasks.unservable) == (0, 0)


async def test_a_task_waiting_for_a_busy_capable_agent_is_not_unservable() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal, name="w")
        gate = Block()
        first = await system.submit(gate)
        second = await system.submit("next")
        assert (system.tasks.pending, system.tasks.unservable) == (1, 0)
        gate.release.set()
        assert await second == ("w", "next")
        await first


# --- deadlines -----------------------------------------------------------------------------
async def test_a_task_not_started_expires_exactly_at_its_deadline(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        await clock.advance(1.0)
        handle = await system.submit("late", requires=["nobody"], deadline=2.5)
        assert clock.next_due() == 3.5
        await clock.advance(2.25)
        assert handle.status is TaskStatus.PENDING
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


# --- retries and failures ------------------------------------------------------------------
async def test_a_failed_attempt_is_retried_on_another_idle_agent() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal, name="flaky")
        await system.spawn(Worker, journal, name="steady")
        handle = await system.submit(Fail("job", times=1), retries=2)
        assert await handle == ("steady", "job")
        assert handle.attempt == 2
    assert journal == [("flaky", "job", 1), ("steady", "job", 2)]


async def test_a_retried_task_keeps_its_place_in_the_queue() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal, name="solo")
        handles = [
            await system.submit(Fail("first", times=1), retries=1),
            await system.submit("second"),
            await system.submit("third"),
        ]
        assert await asyncio.gather(*handles) == [
            ("solo", "first"),
            ("solo", "second"),
            ("solo", "third"),
        ]
    assert journal == [
        ("solo", "first", 1),
        ("solo", "first", 2),
        ("solo", "second", 1),
        ("solo", "third", 1),
    ]


async def test_when_retries_run_out_the_last_failure_is_raised() -> None:
    journal: Journal = []
    async with ActorSystem(supervisor=OneForOne(max_restarts=10)) as system:
        await system.spawn(Worker, journal, name="a")
        await system.spawn(Worker, journal, name="b")
        handle = await system.submit(Fail("doomed", times=99), retries=2)
        with pytest.raises(RuntimeError, match="doomed failed attempt 3"):
            await handle
        assert handle.status is TaskStatus.FAILED
        assert handle.attempt == 3
        once = await system.submit(Fail("once", times=1))
        with pytest.raises(RuntimeError, match="once failed attempt 1"):
            await once
        assert system.tasks.by_status["failed"] == 2
    assert [attempt for _, _, attempt in journal] == [1, 2, 3, 1]


async def test_each_await_of_a_failed_task_raises_its_failure_with_the_same_traceback() -> None:
    """Not with the frames of every earlier await appended (the one exception object is
    raised to each awaiter), which would grow without bound and keep those callers alive."""
    locals_of_callers: list[weakref.ref[Block]] = []

    async def depth_seen_by_a_caller(wait: Callable[[], Awaitable[Any]]) -> int:
        local = Block()  # stands for a caller's large local: freed once the caller returns
        locals_of_callers.append(weakref.ref(local))
        with pytest.raises(RuntimeError, match="doomed failed attempt 1") as raised:
            await wait()
        return len(traceback.extract_tb(raised.value.__traceback__))

    async with asyncio.timeout(10), ActorSystem() as system:
        await system.spawn(Worker, [], name="w")
        handle = await system.submit(Fail("doomed", times=1))

        async def await_handle() -> Any:
            return await handle

        await depth_seen_by_a_caller(await_handle)  # waits for it to fail
        for wait in (await_handle, handle.result):
            depths = [await depth_seen_by_a_caller(wait) for _ in range(20)]
            assert depths == [depths[0]] * 20
        gc.collect()
        assert [ref() for ref in locals_of_callers[:-1]] == [None] * 40


async def test_a_not_delivered_raised_by_the_agent_itself_is_a_failed_attempt() -> None:
    class Relay(Actor):
        capabilities = ("relay",)
        attempts = 0

        async def receive(self, message: Any) -> Any:
            Relay.attempts += 1
            raise NotDelivered("an ask of the agent's own was not delivered")

    async with ActorSystem() as system:
        await system.spawn(Relay, name="relay")
        handle = await system.submit("x", retries=1)
        with pytest.raises(NotDelivered):
            await handle
        assert (handle.status, handle.attempt, Relay.attempts) == (TaskStatus.FAILED, 2, 2)


async def test_a_crash_on_an_ordinary_message_hands_the_queued_task_to_another_agent() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        first = await system.spawn(Worker, journal, name="first")
        await system.spawn(Worker, journal, name="second")
        doomed = Block("doomed", fail=True)
        first.tell(doomed)
        await doomed.entered.wait()
        handle = await system.submit("job")  # dispatched to `first`, behind `doomed`
        doomed.release.set()
        assert await handle == ("second", "job")
        assert handle.attempt == 1
        assert system.accounting().balanced
    assert journal == [("second", "job", 1)]


class OddEquality:
    """An ordinary message whose `==` misbehaves: it raises (as a numpy array's does) or answers
    True to everything (as `unittest.mock.ANY` does)."""

    def __init__(self, raises: bool) -> None:
        self.raises = raises
        self.handled_by: list[str] = []

    def __eq__(self, other: object) -> bool:
        if self.raises:
            raise ValueError("the truth value of an array is ambiguous")
        return True

    __hash__ = object.__hash__


class OddAware(Worker):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, OddEquality):
            message.handled_by.append(self.name)
            return None
        return await super().receive(message)


@pytest.mark.parametrize("raises", [True, False], ids=["eq-raises", "eq-always-true"])
async def test_a_task_is_taken_back_by_identity_whatever_the_messages_queued_before_it(
    raises: bool,
) -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        first = await system.spawn(OddAware, journal, name="first")
        await system.spawn(OddAware, journal, name="second")
        doomed = Block("doomed", fail=True)
        first.tell(doomed)
        await doomed.entered.wait()
        odd = OddEquality(raises)
        first.tell(odd)
        handle = await system.submit("job")  # dispatched to `first`, behind `odd`
        doomed.release.set()  # `first` fails: its queued task is taken back
        assert await handle == ("second", "job")
        assert await first.ask("sync") is None  # `first` has handled all it had queued
        assert odd.handled_by == ["first"]  # not taken back in the task's place
        assert system.dead_letters.count == 0
        assert system.accounting().balanced
    assert journal == [("second", "job", 1)]  # run once, not also on `first`


async def test_an_agent_stopped_with_a_queued_task_requeues_it_without_using_a_retry() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        first = await system.spawn(Worker, journal, name="first")
        await system.spawn(Worker, journal, name="second")
        hold = Block("hold")
        first.tell(hold)
        await hold.entered.wait()
        handle = await system.submit("job")  # retries=0: a consumed retry would fail it
        stopping = asyncio.ensure_future(first.stop())
        hold.release.set()
        await stopping
        assert await handle == ("second", "job")
        assert handle.attempt == 1
        # Taken back and run elsewhere: nothing was lost, so no dead letter says it was.
        assert system.dead_letters.count == 0
    assert journal == [("second", "job", 1)]


async def test_an_agent_stopped_while_running_a_task_finishes_it_first() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        worker = await system.spawn(Worker, journal, name="w")
        gate = Block()
        handle = await system.submit(gate)
        await gate.entered.wait()
        stopping = asyncio.ensure_future(worker.stop())
        gate.release.set()
        await stopping
        assert await handle == ("w", "block")
        assert system.agents() == []


async def test_an_agent_force_stopped_mid_task_fails_the_attempt() -> None:
    journal: Journal = []
    system = await ActorSystem().start()
    await system.spawn(Worker, journal, name="w")
    gate = Block()
    handle = await system.submit(gate, retries=3)
    await gate.entered.wait()
    await system.shutdown(timeout=0.01)
    with pytest.raises(ActorStopped):
        await handle
    assert handle.status is TaskStatus.FAILED
    assert system.tasks.running == 0


async def test_a_restarting_agent_gets_no_task_until_it_is_back(clock: ManualClock) -> None:
    journal: Journal = []
    backoff = OneForOne(backoff=Backoff(min=1.0, max=1.0, jitter=0.0))
    async with ActorSystem(clock=clock, supervisor=backoff) as system:
        worker = await system.spawn(Worker, journal, name="w")
        worker.tell("crash")
        await clock.advance(0)
        assert [info.state for info in system.agents()] == ["restarting"]
        handle = await system.submit("job")
        await clock.advance(0.5)
        assert handle.status is TaskStatus.PENDING
        assert system.tasks.unservable == 0  # a restarting agent still counts as live
        await clock.advance(0.5)
        assert await handle == ("w", "job")
        await clock.advance(0)
        info = system.agents()[0]
        assert (info.state, info.processed, info.failures, info.restarts) == ("idle", 1, 1, 1)
        assert info.history == (
            (0.0, "idle"),
            (0.0, "restarting"),
            (1.0, "busy"),
            (1.0, "idle"),
        )


class StopsItself(Worker):
    """Calls `self.stop()` in the task `"stop yourself"`: `permanent`, so it is restarted."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task) and message.payload == "stop yourself":
            self.stop()
        return await super().receive(message)


async def test_an_agent_that_stops_itself_in_a_task_gets_no_task_while_it_restarts(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    backoff = OneForOne(backoff=Backoff(min=10.0, max=10.0, jitter=0.0))
    async with ActorSystem(clock=clock, supervisor=backoff) as system:
        await system.spawn(StopsItself, journal, name="leaving")
        await system.spawn(Worker, journal, name="other")
        first, second = Block("first"), Block("second")
        held = [await system.submit(first), await system.submit(second)]
        await first.entered.wait()
        await second.entered.wait()
        stop = await system.submit("stop yourself", priority=5)
        job = await system.submit("job")
        first.release.set()  # `leaving` takes `stop yourself` next, then stops itself
        assert await stop == ("leaving", "stop yourself")
        await clock.settle()
        assert [(info.state, info.current_task) for info in system.agents()] == [
            ("restarting", None),
            ("busy", held[1].id),
        ]
        assert job.status is TaskStatus.PENDING
        second.release.set()
        assert await job == ("other", "job")  # at once, not after the backoff
        assert clock.now() == 0.0
        await clock.advance(10.0)
        leaving = system.agents()[0]
        assert [state for _, state in leaving.history] == [
            "idle",
            "busy",
            "restarting",
            "idle",
        ]
    assert labels(journal) == ["first", "second", "stop yourself", "job"]


async def test_a_task_queued_at_a_stopping_agent_goes_elsewhere_before_its_on_stop_ends(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    on_stop = Block("on_stop")

    class SlowToStop(Worker):
        async def on_stop(self) -> None:
            await on_stop.hold()

    async with ActorSystem(clock=clock) as system:
        leaving = await system.spawn(SlowToStop, journal, name="leaving")
        hold = Block("hold")
        leaving.tell(hold)
        await hold.entered.wait()
        handle = await system.submit("job")  # dispatched to `leaving`, behind `hold`
        await system.spawn(Worker, journal, name="other")
        stopping = asyncio.ensure_future(leaving.stop())
        hold.release.set()
        await on_stop.entered.wait()
        await clock.settle()
        assert handle.status is TaskStatus.SUCCEEDED
        assert [(info.path, info.state) for info in system.agents()] == [
            ("/leaving", "stopped"),
            ("/other", "idle"),
        ]
        on_stop.release.set()
        await stopping
        assert await handle == ("other", "job")
        assert system.dead_letters.count == 0
    assert journal == [("other", "job", 1)]


class Crashes(Actor):
    async def receive(self, message: Any) -> None:
        raise RuntimeError("a sibling crashed")


async def agent_and_crashing_sibling(
    system: ActorSystem, journal: Journal
) -> tuple[ActorRef, ActorRef]:
    """An agent under one_for_all with a sibling that crashes on any message: the sibling's
    crash restarts both, after a 10 s backoff."""
    strategy = OneForAll(backoff=Backoff(min=10.0, max=10.0, jitter=0.0))
    team = [ChildSpec(Worker, journal, name="agent"), ChildSpec(Crashes, name="crashes")]
    await system.spawn(Supervisor, team, strategy, name="team")
    agent, crashes = system.lookup("/team/agent"), system.lookup("/team/crashes")
    assert agent is not None and crashes is not None
    return agent, crashes


async def test_a_task_queued_at_an_agent_a_sibling_restart_takes_down_goes_elsewhere(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    async with ActorSystem(clock=clock) as system:
        agent, crashes = await agent_and_crashing_sibling(system, journal)
        hold = Block("hold")
        agent.tell(hold)
        await hold.entered.wait()
        handle = await system.submit("job")  # dispatched to `agent`, behind `hold`
        await system.spawn(Worker, journal, name="other")
        crashes.tell("crash")  # the restart waits for `agent` to finish `hold`
        await clock.settle()
        hold.release.set()
        await clock.settle()
        assert handle.status is TaskStatus.SUCCEEDED
        assert await handle == ("other", "job")
        await clock.advance(10.0)
        restarted = system.agents()[0]
        assert restarted.path == "/team/agent"
        assert restarted.restarts == 1
        assert [state for _, state in restarted.history] == [
            "idle",
            "busy",
            "restarting",
            "idle",
        ]
    assert journal == [("other", "job", 1)]


async def test_capabilities_are_those_of_the_spawn_whatever_class_a_restart_makes() -> None:
    class First(Echo):
        async def receive(self, message: Any) -> Any:
            if message == "crash":
                raise RuntimeError("crash")
            return "first"

    class Second(Actor):
        capabilities = ("other",)

        async def receive(self, message: Any) -> Any:
            return "second"

    made: list[Actor] = []

    def factory() -> Actor:
        made.append(First() if not made else Second())
        return made[-1]

    async with ActorSystem() as system:
        ref = await system.spawn(factory, name="changes")
        ref.tell("crash")
        assert await ref.ask("which") == "second"
        [info] = system.agents()
        assert (info.capabilities, info.restarts) == (frozenset({"echo"}), 1)
        assert await run(system, "job", requires=["echo"]) == "second"


async def test_a_task_given_to_an_agent_whose_start_fails_goes_back_to_the_queue() -> None:
    journal: Journal = []
    gate = Block("on_start", fail=True)

    class Doomed(Worker):
        async def on_start(self) -> None:
            await gate.hold()

    async with ActorSystem() as system:
        spawning = asyncio.ensure_future(system.spawn(Doomed, journal, name="doomed"))
        await gate.entered.wait()
        handle = await system.submit("job")  # waits behind on_start, like any message
        assert handle.status is TaskStatus.RUNNING
        gate.release.set()
        with pytest.raises(RuntimeError, match="on_start failed"):
            await spawning
        await system.spawn(Worker, journal, name="w")
        assert await handle == ("w", "job")
        assert handle.attempt == 1


async def test_pool_members_with_capabilities_are_agents() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn_pool(Worker, journal, size=3, name="pool", capabilities=["x"])
        assert [info.path for info in system.agents()] == ["/pool/0", "/pool/1", "/pool/2"]
        results = await asyncio.gather(*[await system.submit(i, requires=["x"]) for i in range(6)])
        assert sorted(label for _, label in results) == list(range(6))


# --- cancellation --------------------------------------------------------------------------
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


# --- agents() --------------------------------------------------------------------------------
async def test_agents_lists_live_agents_with_their_state() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Plain, name="plain")
        await system.spawn(Worker, journal, name="a")
        gpu = await system.spawn(Worker, journal, name="b", capabilities=["gpu"])
        infos = system.agents()
        assert all(isinstance(info, AgentInfo) for info in infos)
        assert [info.path for info in infos] == ["/a", "/b"]
        assert infos[1].capabilities == frozenset({"work", "gpu"})
        assert [info.state for info in infos] == ["idle", "idle"]
        gate = Block()
        handle = await system.submit(gate, requires=["gpu"])
        await gate.entered.wait()
        assert [info.state for info in system.agents()] == ["idle", "busy"]
        gate.release.set()
        await handle
        await gpu.stop()
        assert [info.path for info in system.agents()] == ["/a"]


async def test_a_stopping_agent_shows_stopped_in_its_history() -> None:
    seen: list[AgentInfo] = []

    class Leaving(Echo):
        async def on_stop(self) -> None:
            seen.extend(info for info in self.system.agents() if info.path == self.path)

    async with ActorSystem() as system:
        ref: ActorRef = await system.spawn(Leaving, name="leaving")
        await ref.stop()
    [info] = seen
    assert info.state == "stopped"
    assert [state for _, state in info.history] == ["idle", "stopped"]


async def test_an_agent_with_a_stop_or_a_restart_queued_is_not_shown_idle(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        agent, crashes = await agent_and_crashing_sibling(system, journal)
        leaving = await system.spawn(Worker, journal, name="leaving")
        holds = [Block("restarts"), Block("leaves")]
        for ref, hold in zip((agent, leaving), holds, strict=True):
            ref.tell(hold)
            await hold.entered.wait()
        stopping = asyncio.ensure_future(leaving.stop())
        crashes.tell("crash")  # the restart waits for `agent` to finish its message
        await clock.settle()
        handle = await system.submit("job")
        assert handle.status is TaskStatus.PENDING  # neither takes it: it must not look idle
        states = {info.path: info.state for info in system.agents()}
        assert states == {"/team/agent": "restarting", "/leaving": "stopped"}
        for hold in holds:
            hold.release.set()
        await stopping
        await clock.advance(10.0)
        assert await handle == ("agent", "job")
        [info] = system.agents()
        assert [state for _, state in info.history] == ["idle", "restarting", "busy", "idle"]


async def test_agent_history_keeps_the_last_32_changes() -> None:
    async with ActorSystem() as system:
        await system.spawn(Echo, name="e")
        for i in range(40):
            await run(system, i)
        history = system.agents()[0].history
        assert len(history) == 32
        assert history[-1][1] == "idle"
        assert all(a[1] != b[1] for a, b in itertools.pairwise(history))


# --- bad input and lifecycle ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"retries": -1}, ValueError, "retries must be >= 0"),
        ({"retries": 1.5}, TypeError, "retries must be an int"),
        ({"retries": True}, TypeError, "retries must be an int"),
        ({"priority": 1.5}, TypeError, "priority must be an int"),
        ({"priority": "high"}, TypeError, "priority must be an int"),
        ({"deadline": 0}, ValueError, "deadline must be > 0 seconds and finite from now"),
        ({"deadline": -1.0}, ValueError, "deadline must be > 0 seconds and finite"),
        ({"deadline": math.nan}, ValueError, "deadline must be > 0 seconds and finite"),
        ({"deadline": math.inf}, ValueError, "None for no deadline"),
        ({"deadline": "5"}, TypeError, "deadline must be a number of seconds"),
        ({"requires": "gpu"}, TypeError, "requires must be an iterable"),
        ({"requires": 5}, TypeError, "requires must be an iterable"),
        ({"requires": ["gpu", 3]}, TypeError, "non-empty str"),
        ({"requires": [""]}, TypeError, "non-empty str"),
        ({"requires": ("gpu", 3)}, TypeError, "non-empty str"),
        ({"requires": ("gpu", [])}, TypeError, "non-empty str"),
        ({"requires": frozenset({"gpu", ""})}, TypeError, "non-empty str"),
    ],
)
async def test_bad_submit_arguments_say_what_to_change(
    options: dict[str, Any], error: type[Exception], match: str
) -> None:
    async with ActorSystem() as system:
        with pytest.raises(error, match=match):
            await system.submit("x", **options)
        assert sum(system.tasks.by_status.values()) == 0


class Requirements(Actor):
    """An agent that answers with what each task requires."""

    capabilities = frozenset({"gpu", "en"})

    async def receive(self, message: Task) -> frozenset[str]:
        return message.requires


async def test_an_agent_gets_a_frozen_task_record_equal_to_one_built_by_hand() -> None:
    async with ActorSystem() as system:
        await system.spawn(Echo)
        handle = await system.submit({"k": 1}, priority=3, deadline=60.0, requires=["echo"])
        task = await handle
    assert type(task) is Task
    assert task == Task(handle.id, {"k": 1}, 3, task.deadline, frozenset({"echo"}), 1)
    assert task.deadline is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        task.attempt = 2  # type: ignore[misc]
    assert repr(task).startswith("Task(id=")


async def test_equal_requirement_tuples_share_one_checked_set() -> None:
    async with ActorSystem() as system:
        await system.spawn(Requirements)
        first = await (await system.submit("a", requires=("gpu", "en")))
        second = await (await system.submit("b", requires=("gpu", "en")))
        third = await (await system.submit("c", requires=["en", "gpu"]))
    assert first == third == {"gpu", "en"}
    assert first is second


async def test_submit_needs_a_running_system() -> None:
    system = ActorSystem()
    with pytest.raises(RuntimeError, match="not started"):
        await system.submit("x")
    await system.start()
    await system.shutdown()
    with pytest.raises(ActorStopped, match="shutting down"):
        await system.submit("x")


class SetsOnRecord(logging.Handler):
    """Sets `event` when a record starting with `prefix` is logged: in the very call that logs
    it, so the waiter runs before anything the logging code schedules after."""

    def __init__(self, prefix: str, event: asyncio.Event) -> None:
        super().__init__()
        self.prefix = prefix
        self.event = event

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith(self.prefix):
            self.event.set()


async def test_submit_right_after_a_root_failure_says_the_system_is_stopping() -> None:
    failed = asyncio.Event()
    handler = SetsOnRecord("actor system actorkit failed", failed)
    logger = logging.getLogger("actorkit")
    logger.addHandler(handler)
    try:
        escalate = OneForOne(decider={RuntimeError: "escalate"})
        system = await ActorSystem(supervisor=escalate).start()
        worker = await system.spawn(Worker, [], name="w")
        worker.tell("crash")
        await failed.wait()  # the shutdown the failure begins is scheduled for after this
        with pytest.raises(ActorStopped, match="shutting down"):
            await system.submit("x")
        await system.shutdown()
    finally:
        logger.removeHandler(handler)
    assert isinstance(system.failure, RuntimeError)


async def test_shutdown_fails_pending_tasks_and_lets_running_ones_finish(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    system = await ActorSystem(clock=clock).start()
    await system.spawn(Worker, journal, name="w")
    gate = Block()
    running = await system.submit(gate)
    queued = await system.submit("queued")
    stranded = await system.submit("stranded", requires=["nobody"], deadline=100.0)
    shutting = asyncio.ensure_future(system.shutdown())
    for handle in (queued, stranded):
        with pytest.raises(ActorStopped, match="shut down"):
            await handle
        assert handle.status is TaskStatus.FAILED
    gate.release.set()
    await shutting
    assert await running == ("w", "block")
    assert clock.pending == 0
    assert system.tasks.by_status == {
        "pending": 0,
        "running": 0,
        "succeeded": 1,
        "failed": 2,
        "expired": 0,
        "cancelled": 0,
    }
    assert labels(journal) == ["block"]


async def test_task_metrics_are_exported() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal, name="w")
        await run(system, "ok")
        await system.submit("stranded", requires=["nobody"])
        text = generate_latest(system.metrics.registry).decode()
    assert 'actorkit_tasks_total{status="succeeded"} 1.0' in text
    assert 'actorkit_tasks_total{status="expired"} 0.0' in text
    assert "actorkit_tasks_pending 1.0" in text
    assert "actorkit_tasks_running 0.0" in text
    assert "actorkit_task_seconds_count 1.0" in text


async def test_no_task_metrics_when_metrics_are_off() -> None:
    async with ActorSystem(metrics=False) as system:
        await system.spawn(Echo)
        await run(system, "ok")
        assert "actorkit_tasks" not in generate_latest(system.metrics.registry).decode()


# --- properties ----------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=-3, max_value=3), min_size=1, max_size=30))
def test_one_agent_serves_by_priority_then_submission(priorities: list[int]) -> None:
    async def scenario() -> list[Any]:
        journal: Journal = []
        async with ActorSystem() as system:
            await system.spawn(Worker, journal, name="w")
            gate = Block()
            first = await system.submit(gate)
            await gate.entered.wait()
            handles = [await system.submit(i, priority=p) for i, p in enumerate(priorities)]
            gate.release.set()
            await asyncio.gather(first, *handles)
        return labels(journal)[1:]

    expected = sorted(range(len(priorities)), key=lambda i: (-priorities[i], i))
    assert asyncio.run(scenario()) == expected


CAPABILITIES = ["a", "b", "c"]
capability_sets = st.frozensets(st.sampled_from(CAPABILITIES), max_size=3)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(capability_sets.filter(bool), min_size=1, max_size=5),
    st.lists(st.tuples(capability_sets, st.integers(-2, 2)), min_size=1, max_size=25),
)
def test_every_servable_task_runs_once_on_a_capable_agent(
    agents: list[frozenset[str]], tasks: list[tuple[frozenset[str], int]]
) -> None:
    async def scenario() -> None:
        served: list[tuple[frozenset[str], Task]] = []

        class Agent(Actor):
            async def receive(self, message: Any) -> Any:
                served.append((self._cell.capabilities, message))
                await asyncio.sleep(0)
                return message.id

        async with ActorSystem() as system:
            for capabilities in agents:
                await system.spawn(Agent, capabilities=capabilities)
            handles = [await system.submit(None, p, requires=r) for r, p in tasks]
            servable = [h for h, (r, _) in zip(handles, tasks, strict=True) if _fits(r, agents)]
            assert [await h for h in servable] == [h.id for h in servable]
            assert system.tasks.unservable == len(handles) - len(servable)
            assert system.tasks.pending == len(handles) - len(servable)
        assert sorted(task.id for _, task in served) == [h.id for h in servable]
        assert all(task.requires <= capabilities for capabilities, task in served)

    asyncio.run(scenario())


def _fits(requires: frozenset[str], agents: list[frozenset[str]]) -> bool:
    return any(requires <= capabilities for capabilities in agents)
