"""The task families add up under seeded random workloads: tasks with priorities, deadlines,
retries and capabilities no agent has, cancelled pending or running, agents that fail, stop
(orderly or forced) and hold their tasks, on a `ManualClock`. Read through a scrape, the
finished tasks by status, the pending and running gauges and the count of task durations
match the handles' own statuses, while running and after `shutdown()` (quiet, or in the
middle of the work)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from typing import Any, ClassVar

import pytest

from actorkit import Actor, ActorRef, ActorSystem, MailboxFull, OneForOne, Task, TaskHandle
from actorkit.testing import ManualClock

from .metrics_truth_support import Gate, Samples, sample, scraped

FINISHED = ("succeeded", "failed", "expired", "cancelled")


class Agent(Actor):
    capabilities: ClassVar[tuple[str, ...]] = ("work",)

    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        payload = message.payload if isinstance(message, Task) else message
        if payload == "fail" or (payload == "flaky" and message.attempt == 0):
            raise ValueError("failed on purpose")
        if payload == "hold":
            event = self.gate.event
            await event.wait()
        return payload


class Gpu(Agent):
    capabilities = ("work", "gpu")


def check(samples: Samples, handles: list[TaskHandle], when: str) -> list[str]:
    statuses = Counter(str(handle.status.value) for handle in handles)
    exported = {s: sample(samples, "actorkit_tasks_total", status=s) for s in FINISHED}
    exported["pending"] = sample(samples, "actorkit_tasks_pending")
    exported["running"] = sample(samples, "actorkit_tasks_running")
    truth = {status: float(statuses[status]) for status in exported}
    wrong = [] if exported == truth else [f"{when}: exported {exported}, handles {truth}"]
    timed = sample(samples, "actorkit_task_seconds_count")
    if timed != sum(truth[status] for status in FINISHED):
        wrong.append(f"{when}: {timed} task durations for {truth}")
    return wrong


async def run(seed: int, abrupt: bool) -> list[str]:
    rng = random.Random(seed)
    gate, clock = Gate(), ManualClock()
    root = OneForOne(max_restarts=100_000, within=1.0)
    system = ActorSystem(f"tasks{seed}", clock=clock, supervisor=root)
    await system.start()
    agents: list[ActorRef] = []
    handles: list[TaskHandle] = []
    stops: list[asyncio.Future[Any]] = []
    wrong: list[str] = []
    try:
        for number in range(100):
            alive = [agent for agent in agents if agent.is_alive]
            roll = rng.random()
            if roll < 0.1 or not alive:
                cls = rng.choice([Agent, Gpu])
                agents.append(await system.spawn(cls, gate, mailbox_size=rng.choice([None, 2])))
            elif roll < 0.5:
                handles.append(
                    await system.submit(
                        rng.choice(["ok", "fail", "flaky", "hold"]),
                        priority=rng.randint(0, 2),
                        deadline=rng.choice([None, clock.now() + 0.5, clock.now() + 5.0]),
                        requires=rng.choice([(), ("work",), ("gpu",), ("nobody",)]),
                        retries=rng.randint(0, 2),
                    )
                )
            elif roll < 0.6:
                stops.append(
                    asyncio.ensure_future(rng.choice(alive).stop(timeout=rng.choice([None, 0.0])))
                )
            elif roll < 0.7:
                gate.open()
            elif roll < 0.8 and handles:
                rng.choice(handles).cancel()
            elif roll < 0.9:
                with contextlib.suppress(MailboxFull):
                    rng.choice(alive).tell("hold")
            else:
                await clock.advance(rng.choice([0.1, 1.0]))
            if rng.random() < 0.3:
                await asyncio.sleep(0)
            if number % 5 == 0:
                wrong += check(scraped(system), handles, f"step {number}")
        if not abrupt:
            for _ in range(5):
                gate.open()
                await clock.advance(10.0)
            gate.open_for_good()
            for handle in handles:
                if handle.status.value == "pending":  # waiting for a capability nobody has
                    handle.cancel()
            await clock.advance(10.0)
            await asyncio.gather(*stops, return_exceptions=True)
            wrong += check(scraped(system), handles, "quiet")
    finally:
        ending = asyncio.ensure_future(system.shutdown(timeout=rng.choice([0.0, 0.05])))
        while not ending.done():
            await clock.advance(1.0)
        await ending
    await asyncio.gather(*stops, return_exceptions=True)
    return wrong + check(scraped(system), handles, "shut down")


@pytest.mark.parametrize("abrupt", [False, True], ids=["quiesced", "abrupt"])
async def test_the_task_figures_add_up_under_random_workloads(abrupt: bool) -> None:
    failures: list[str] = []
    async with asyncio.timeout(30):
        for seed in range(8):
            failures += [f"seed {seed}: {line}" for line in await run(seed, abrupt)]
    assert not failures, "\n".join(failures[:20])
