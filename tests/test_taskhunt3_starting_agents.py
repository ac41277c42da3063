"""An agent whose `on_start` is still running takes no task (API 6, 9): as a restarted one is
given tasks only once its new `on_start` has finished, a spawned one is given them once
`spawn` would return its ref. Handed one before, the task waited behind `on_start` while it
counted as started: a busy agent freed meanwhile ran lower-priority work first, the task's
deadline no longer applied, and an `on_start` awaiting a warm-up task it could serve itself
waited for itself."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem, DeadlineExceeded, TaskStatus
from actorkit.testing import ManualClock

from .tasks_support import Block, Journal, Worker

BOUND = 5.0


class Loading(Worker):
    """A `Worker` whose `on_start` loads something slow (a model, a pool of connections):
    it waits for `loaded`, which the test sets."""

    def __init__(self, journal: Journal, loaded: asyncio.Event) -> None:
        super().__init__(journal)
        self.loaded = loaded

    async def on_start(self) -> None:
        await self.loaded.wait()


async def test_a_task_waits_for_a_busy_agent_rather_than_one_still_starting(
    clock: ManualClock,
) -> None:
    """The freed agent takes the top priority first, within its deadline."""
    journal: Journal = []
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        await system.spawn(Worker, journal, name="fast")
        gate = Block("gate")
        held = await system.submit(gate)
        await gate.entered.wait()
        high = await system.submit("high", priority=10, deadline=5.0)
        low = await system.submit("low")
        loaded = asyncio.Event()
        spawning = asyncio.ensure_future(system.spawn(Loading, journal, loaded, name="slow"))
        try:
            await clock.settle()
            assert (high.status, low.status) == (TaskStatus.PENDING, TaskStatus.PENDING)
            assert [(info.path, info.state) for info in system.agents()] == [("/fast", "busy")]
            assert (system.tasks.pending, system.tasks.unservable) == (2, 0)
            gate.release.set()
            await held
            assert await high == ("fast", "high")
            assert await low == ("fast", "low")
        finally:  # else the shutdown waits for them, on a clock nobody advances
            gate.release.set()
            loaded.set()
        await spawning
    assert journal == [("fast", "gate", 1), ("fast", "high", 1), ("fast", "low", 1)]


async def test_a_deadline_passes_while_the_only_agent_that_fits_is_starting(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        loaded = asyncio.Event()
        spawning = asyncio.ensure_future(system.spawn(Loading, journal, loaded, name="slow"))
        try:
            await clock.settle()
            handle = await system.submit("job", deadline=5.0)
            await clock.advance(5.0)
            assert handle.status is TaskStatus.EXPIRED
            with pytest.raises(DeadlineExceeded, match="was not started before its deadline"):
                await handle
        finally:
            loaded.set()
        await spawning
        [info] = system.agents()
        assert (info.path, info.state, [state for _, state in info.history]) == (
            "/slow",
            "idle",
            ["idle"],
        )
        assert await (await system.submit("next")) == ("slow", "next")
    assert journal == [("slow", "next", 1)]


class WarmingUp(Worker):
    """Submits a warm-up task from `on_start` and waits for it, within a deadline."""

    def __init__(self, journal: Journal, outcome: list[Any]) -> None:
        super().__init__(journal)
        self.outcome = outcome

    async def on_start(self) -> None:
        try:
            self.outcome.append(await (await self.system.submit("warm-up", deadline=1.0)))
        except DeadlineExceeded as error:
            self.outcome.append(error)


async def test_an_on_start_awaiting_a_task_only_it_could_serve_gets_its_deadline(
    clock: ManualClock,
) -> None:
    """Handed to the agent itself, the task would have waited behind the `on_start` awaiting
    it: `running`, its deadline passed unseen, `spawn` never returned."""
    journal: Journal = []
    outcome: list[Any] = []
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        spawning = asyncio.ensure_future(system.spawn(WarmingUp, journal, outcome, name="w"))
        await clock.settle()
        await clock.advance(1.0)
        await spawning
        [error] = outcome
        assert isinstance(error, DeadlineExceeded)
        assert journal == []


async def test_an_on_start_awaiting_a_task_gets_it_served_by_another_agent(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    outcome: list[Any] = []
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        await system.spawn(Worker, journal, name="other")
        await system.spawn(WarmingUp, journal, outcome, name="w", capabilities=["extra"])
        assert outcome == [("other", "warm-up")]


async def test_a_task_waiting_when_an_agent_is_spawned_goes_to_it_once_started(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        handle = await system.submit("job")
        loaded = asyncio.Event()
        spawning = asyncio.ensure_future(system.spawn(Loading, journal, loaded, name="slow"))
        try:
            await clock.settle()
            assert handle.status is TaskStatus.PENDING
        finally:
            loaded.set()
        await spawning
        assert await handle == ("slow", "job")
