"""Tasks of an agent that stops, restarts or fails to start go elsewhere, none lost (API 6)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, Backoff, OneForOne, Task, TaskStatus
from actorkit.testing import ManualClock

from .tasks_support import Block, Echo, Journal, Worker, agent_and_crashing_sibling, labels, run


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


async def test_a_task_queued_at_a_force_stopped_agent_fails_and_is_no_dead_letter() -> None:
    """Its handle says what became of it (`ActorStopped`): a dead letter would count it twice."""
    journal: Journal = []
    system = await ActorSystem().start()
    agent = await system.spawn(Worker, journal, name="w")
    hold = Block("hold")
    agent.tell(hold)
    await hold.entered.wait()
    handle = await system.submit("job")  # queued behind the message in hand
    await system.shutdown(timeout=0.01)
    with pytest.raises(ActorStopped, match="never started"):
        await handle
    assert [letter.message for letter in system.dead_letters.recent] == [hold]
    assert journal == []


async def test_a_task_queued_at_a_force_stopped_agent_goes_back_and_is_counted_once() -> None:
    """Taken back from the closing mailbox and run elsewhere, the task was not lost: the
    agent's accounting leaves it out of `dead_lettered`, which counts only the message the
    forced stop cut short, matching the dead letters recorded."""
    journal: Journal = []
    async with ActorSystem() as system:
        first = await system.spawn(Worker, journal, name="first")
        hold = Block("hold")
        first.tell(hold)
        await hold.entered.wait()
        handle = await system.submit("job")  # dispatched to `first`, queued behind `hold`
        await system.spawn(Worker, journal, name="second")
        await first.stop(timeout=0.01)
        assert await handle == ("second", "job")
        assert [letter.message for letter in system.dead_letters.recent] == [hold]
        accounting = system.accounting()
        assert (accounting.dead_lettered, accounting.balanced) == (1, True)
    assert journal == [("second", "job", 1)]


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


async def test_a_task_is_not_given_to_an_agent_whose_start_then_fails() -> None:
    journal: Journal = []
    gate = Block("on_start", fail=True)

    class Doomed(Worker):
        async def on_start(self) -> None:
            await gate.hold()

    async with ActorSystem() as system:
        spawning = asyncio.ensure_future(system.spawn(Doomed, journal, name="doomed"))
        await gate.entered.wait()
        handle = await system.submit("job")  # an agent takes tasks once its on_start has run
        assert handle.status is TaskStatus.PENDING
        assert (system.agents(), system.tasks.unservable) == ([], 0)
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
