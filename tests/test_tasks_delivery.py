"""Tasks reach a capable agent, in priority order, and their results come back (API 6)."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from actorkit import Actor, ActorSystem, Task, TaskHandle, TaskStatus
from actorkit.testing import ManualClock

from .tasks_support import Block, Echo, Journal, Worker, labels, run

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
        # The str comparison a StrEnum promises, which mypy's strict equality does not model.
        assert handle.status == "succeeded"  # type: ignore[comparison-overlap]
        assert (handle.submitted_at, handle.started_at, handle.finished_at) == (10.0, 10.0, 10.0)
        assert handle.attempt == 1
        assert handle.cancel() is False
        second = await system.submit("again")
        assert second.id != handle.id
        assert (await second).deadline is None


class Payload:
    """Weakly referenceable, to see who keeps it."""


class Forgetful(Actor):
    capabilities = ("forget",)

    async def receive(self, message: Any) -> None:
        return None


async def test_an_agent_keeps_nothing_of_a_finished_task() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Forgetful, name="forgetful")
        payload = Payload()
        kept = weakref.ref(payload)
        await (await system.submit(payload))
        del payload
        await ref.ask("next")  # the receive loop is past the task: it holds the ask now
        assert kept() is None


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
