"""Chaos: tasks with retries on agents that crash on tasks and on ordinary messages, are
stopped mid-stream or are temporary, while tasks are cancelled and agents come and go. Each
task's outcome is decided by its payload alone, so the result is known in advance."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne, Task, TaskCancelled, TaskHandle, TaskStatus

from ..invariants import TaskSnapshot, assert_invariants, assert_settled
from .kit import ChaosError, Job, Kit, safety_net, scale, seeds, tell_into_ledger, yield_turns

CAPABILITIES = ["a", "b"]
TASKS = 1000


class Agent(Actor):
    """Crashes on attempts up to the payload's `crash_until`, then returns the task's number;
    ordinary `Job`s crash it or not as they say."""

    def __init__(self, runs: list[tuple[int, int]], kit: Kit) -> None:
        self.runs = runs
        self.kit = kit

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Job):
            if message.action == "crash":
                self.kit.ledger.crashed.append((message.id, self.path))
                raise ChaosError("an ordinary message crashed the agent")
            self.kit.ledger.processed.append((message.id, self.path))
            return None
        assert isinstance(message, Task)
        number, crash_until, spins = message.payload
        self.runs.append((message.id, message.attempt))
        for _ in range(spins):
            await asyncio.sleep(0)
        if message.attempt <= crash_until:
            raise ChaosError(f"task {number} attempt {message.attempt} crashed on purpose")
        return ("done", number)


@pytest.mark.parametrize("seed", seeds())
async def test_tasks_with_retries_on_crashing_agents_all_finish_as_decided(seed: int) -> None:
    async with safety_net(seed):
        kit = Kit(seed)
        rng, ledger = kit.rng, kit.ledger
        runs: list[tuple[int, int]] = []
        tasks = TaskSnapshot()
        system = ActorSystem("chaos-tasks", supervisor=OneForOne(max_restarts=100_000, within=1.0))
        async with system:
            ledger.attach(system)

            async def spawn_agent() -> None:
                capabilities = rng.sample(CAPABILITIES, rng.randint(1, 2))
                restart = rng.choice(["permanent", "permanent", "transient", "temporary"])
                await system.spawn(Agent, runs, kit, capabilities=capabilities, restart=restart)

            for _ in range(5):
                await spawn_agent()
            submitted: list[tuple[TaskHandle, int, int, int]] = []  # handle, number, crash, retries
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
                    agents = system.agents()
                    if agents:
                        ref = system.lookup(rng.choice(agents).path)
                        if ref is not None:
                            tell_into_ledger(ledger, ref, kit.job({"crash": 1.0, "ok": 1.0}))
                elif dice < 0.13:
                    agents = system.agents()
                    ref = system.lookup(rng.choice(agents).path) if agents else None
                    if ref is not None:
                        stops.append(asyncio.create_task(ref.stop()))
                elif dice < 0.18:
                    await spawn_agent()
                await yield_turns(rng, 5)

            # Temporary agents may all be gone: a reliable agent per capability set ends
            # the run; tasks waiting for one pick it up ("an agent spawned later").
            await system.spawn(Agent, runs, kit, capabilities=CAPABILITIES)
            await asyncio.gather(*stops)
            outcomes = await asyncio.gather(
                *(handle.result() for handle, _, _, _ in submitted), return_exceptions=True
            )
            await assert_settled(system)
            assert system.tasks.pending == 0

            for (handle, number, crash_until, retries), outcome in zip(
                submitted, outcomes, strict=True
            ):
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
