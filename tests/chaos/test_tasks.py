"""Chaos: tasks with retries on agents that crash on tasks and on ordinary messages, are
stopped mid-stream or are temporary, while tasks are cancelled and agents come and go. Each
task's outcome is decided by its payload alone, so the result is known in advance."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorRef,
    ActorSystem,
    OneForOne,
    Task,
    TaskCancelled,
    TaskHandle,
    TaskStatus,
)

from ..invariants import TaskSnapshot, assert_invariants, assert_settled
from .kit import Kit, tell_into_ledger
from .ledger import ChaosError, Fingerprint, Job, fingerprint
from .replay import assert_replays, chaos_run, finish, remember, replayed_seed, scale, seeds

CAPABILITIES = ["a", "b"]
TASKS = 800


class Agent(Actor):
    """Crashes on attempts up to the payload's `crash_until`, then returns the task's number;
    ordinary `Job`s crash it or not as they say."""

    def __init__(self, runs: list[tuple[int, int]], kit: Kit) -> None:
        self.runs = runs
        self.kit = kit

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Job):
            if message.action == "crash":
                self.kit.ledger.was_crashed(message.id, self.path)
                raise ChaosError("an ordinary message crashed the agent")
            self.kit.ledger.was_processed(message.id, self.path)
            return None
        assert isinstance(message, Task)
        number, crash_until, spins = message.payload
        self.runs.append((message.id, message.attempt))
        for _ in range(spins):
            await asyncio.sleep(0)
        if message.attempt <= crash_until:
            raise ChaosError(f"task {number} attempt {message.attempt} crashed on purpose")
        return ("done", number)


Submitted = list[tuple[TaskHandle, int, int, int]]
"""(handle, number, crash_until, retries) of each submitted task."""


class Agents:
    """Spawns agents and picks one at random."""

    def __init__(self, system: ActorSystem, kit: Kit, runs: list[tuple[int, int]]) -> None:
        self.system, self.kit, self.runs = system, kit, runs

    async def spawn(self) -> None:
        rng = self.kit.rng
        capabilities = rng.sample(CAPABILITIES, rng.randint(1, 2))
        restart = rng.choice(["permanent", "permanent", "transient", "temporary"])
        await self.system.spawn(
            Agent, self.runs, self.kit, capabilities=capabilities, restart=restart
        )

    def pick(self) -> ActorRef | None:
        agents = self.system.agents()
        return self.system.lookup(self.kit.rng.choice(agents).path) if agents else None


async def drive(system: ActorSystem, agents: Agents, kit: Kit) -> tuple[Submitted, set[int]]:
    """Submit tasks while cancelling some, crashing agents with ordinary messages, stopping
    agents and spawning new ones; returns the submitted tasks and the cancelled ids."""
    rng = kit.rng
    submitted: Submitted = []
    cancelled: set[int] = set()
    stops: list[asyncio.Task[None]] = []
    for number in range(TASKS * scale()):
        retries = rng.randint(0, 3)
        crash_until = rng.choice([0, 0, 0, 1, 2, 4])
        requires = rng.sample(CAPABILITIES, rng.randint(0, 2))
        payload = (number, crash_until, rng.randint(0, 5))
        handle = await system.submit(
            payload, priority=rng.randint(-2, 2), requires=requires, retries=retries
        )
        submitted.append((handle, number, crash_until, retries))
        dice = rng.random()
        if dice < 0.05:
            victim, _, _, _ = rng.choice(submitted)
            if victim.cancel():
                cancelled.add(victim.id)
        elif dice < 0.1:
            if ref := agents.pick():
                tell_into_ledger(kit.ledger, ref, kit.job({"crash": 1.0, "ok": 1.0}))
        elif dice < 0.13:
            if ref := agents.pick():
                stops.append(asyncio.create_task(ref.stop()))
        elif dice < 0.18:
            await agents.spawn()
        await kit.step(most=5)
    await finish(kit.clock, stops, step=0.01)
    return submitted, cancelled


def check_outcomes(submitted: Submitted, cancelled: set[int], outcomes: list[object]) -> None:
    """Each task ended as its payload decided: cancelled, done, or failed after its retries."""
    for (handle, number, crash_until, retries), outcome in zip(submitted, outcomes, strict=True):
        if handle.id in cancelled:
            assert handle.status is TaskStatus.CANCELLED
            assert isinstance(outcome, TaskCancelled)
        elif crash_until <= retries:
            assert outcome == ("done", number), (handle, outcome)
            assert handle.status is TaskStatus.SUCCEEDED
            assert handle.attempt == crash_until + 1
        else:
            assert isinstance(outcome, ChaosError), (handle, outcome)
            assert handle.status is TaskStatus.FAILED
            assert handle.attempt == retries + 1


async def run_tasks(seed: int) -> Fingerprint:
    async with chaos_run(seed, "tasks"):
        kit = Kit(seed)
        ledger = kit.ledger
        runs: list[tuple[int, int]] = []
        tasks = TaskSnapshot()
        root = OneForOne(max_restarts=100_000, within=1.0)
        system = ActorSystem("chaos-tasks", supervisor=root, clock=kit.clock)
        async with system:
            ledger.attach(system)
            agents = Agents(system, kit, runs)
            for _ in range(5):
                await agents.spawn()
            submitted, cancelled = await drive(system, agents, kit)
            # Temporary agents may all be gone: a reliable agent per capability set ends
            # the run; tasks waiting for one pick it up ("an agent spawned later").
            await system.spawn(Agent, runs, kit, capabilities=CAPABILITIES)
            outcomes = await asyncio.gather(
                *(handle.result() for handle, _, _, _ in submitted), return_exceptions=True
            )
            await assert_settled(system)
            assert system.tasks.pending == 0
            check_outcomes(submitted, cancelled, outcomes)
            # No attempt ran twice; cancelled ones aside, every counted attempt ran once.
            twice = [run for run, count in Counter(runs).items() if count > 1]
            assert not twice, f"attempts that ran twice: {twice[:10]}"
            by_status = system.tasks.by_status
            assert by_status["cancelled"] == len(cancelled)
            assert by_status["succeeded"] + by_status["failed"] + len(cancelled) == len(submitted)
            assert by_status["failed"] > 0 and by_status["succeeded"] > 0
            assert ledger.crashed
            assert_invariants(system)

        assert_invariants(system)
        ledger.check(settled=True)
        await tasks.assert_no_leaks()
        ended = tuple((handle.id, handle.status.value, handle.attempt) for handle, *_ in submitted)
        return fingerprint(system, ledger, tuple(runs), ended)


@pytest.mark.parametrize("seed", seeds())
async def test_tasks_with_retries_on_crashing_agents_all_finish_as_decided(seed: int) -> None:
    remember(("tasks", seed), await run_tasks(seed))


async def test_a_seed_replays_its_run_exactly() -> None:
    seed = replayed_seed()
    await assert_replays(("tasks", seed), lambda: run_tasks(seed))
