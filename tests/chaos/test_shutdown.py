"""Chaos: shutdown in the middle of traffic. Producers keep telling, asking, sending,
publishing and submitting while the system shuts down, some handlers are slow, blocked or
swallow their cancellation. Shutdown returns in bounded time and every message still ends
exactly once: processed, crashed or dead-lettered."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import pytest

from actorkit import (
    ActorError,
    ActorSystem,
    ChildSpec,
    OneForOne,
    Supervisor,
    Task,
)
from actorkit.testing import FORCED_STOP_GRACE, accepting, pending_asks, snapshots

from ..invariants import TaskSnapshot, assert_invariants
from .kit import (
    ChaosError,
    Job,
    Kit,
    Worker,
    ask_into_ledger,
    safety_net,
    seeds,
    send_into_ledger,
    tell_into_ledger,
    yield_turns,
)

PRODUCERS = 4
OPS_BEFORE = 1000
WEIGHTS = {"ok": 60.0, "crash": 5.0, "slow": 25.0, "wait": 4.0, "swallow": 1.0}
SLACK = 0.5
"""Seconds shutdown may take beyond its timeout and the forced-stop grace on a busy 2-core CI."""


class Stubborn(Worker):
    """A `swallow` job waits for the gate and, if a forced stop cancels it, swallows the
    cancellation and returns as if nothing happened (the worst a handler can do without
    blocking). It records nothing then: the runtime already made that job a dead letter."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Job) and message.action == "swallow":
            try:
                await self.kit.gate.wait()
            except asyncio.CancelledError:
                return None
            self.kit.ledger.processed.append((message.id, self.path))
            return message.id
        if isinstance(message, Task):
            await yield_turns(self.kit.rng, 5)
            return message.payload
        return await super().receive(message)


@pytest.mark.parametrize("seed", seeds())
async def test_shutdown_in_the_middle_of_traffic_loses_nothing(seed: int) -> None:
    async with safety_net(seed):
        kit = Kit(seed, on_stop_failure=0.1)
        rng, ledger = kit.rng, kit.ledger
        tasks = TaskSnapshot()
        system = await ActorSystem(
            "chaos-shutdown", supervisor=OneForOne(max_restarts=100_000, within=1.0)
        ).start()
        ledger.attach(system)
        specs = [ChildSpec(Stubborn, kit, name=f"w{i}", mailbox_size=32) for i in range(3)]
        await system.spawn(Supervisor, specs, name="sup")
        for i in range(3):
            worker = await system.spawn(
                Stubborn, kit, name=f"top{i}", capabilities=["work"], mailbox_size=None
            )
            system.subscribe(worker, f"jobs.{i}.*")
        pool = await system.spawn_pool(Stubborn, kit, size=3, name="pool", mailbox_size=16)
        targets = [f"/sup/w{i}" for i in range(3)] + [f"/top{i}" for i in range(3)]
        asks: list[asyncio.Task[None]] = []
        handles: list[tuple[Any, int]] = []  # (handle, its payload)
        started = asyncio.Event()
        ops = [0]

        async def produce(number: int) -> None:
            while True:
                ops[0] += 1
                if ops[0] == OPS_BEFORE:
                    started.set()
                job = kit.job(WEIGHTS)
                ref = system.lookup(rng.choice(targets)) or pool
                dice = rng.random()
                if dice < 0.5:
                    tell_into_ledger(ledger, rng.choice([ref, pool]), job)
                elif dice < 0.65:
                    asks.append(
                        asyncio.create_task(
                            ask_into_ledger(ledger, ref, job, rng.choice([0.01, 5]))
                        )
                    )
                elif dice < 0.75:
                    await send_into_ledger(ledger, ref, job, 0.01)
                elif dice < 0.9:
                    # Delivered once, or a dead letter (`no_subscribers`, `mailbox_full`).
                    system.publish(f"jobs.{rng.randint(0, 3)}.x", job)
                    ledger.told.add(job.id)
                else:
                    with contextlib.suppress(ActorError):  # ActorStopped once shut down
                        handles.append((await system.submit(job.id, requires=["work"]), job.id))
                if not accepting(system) and rng.random() < 0.05:
                    return  # keeps producing a little into the shutdown, then stops
                await yield_turns(rng)

        producers = [asyncio.create_task(produce(n)) for n in range(PRODUCERS)]
        await started.wait()
        if rng.random() < 0.5:
            kit.gate.set()  # half the seeds let blocked handlers finish: an orderly drain
        timeout = rng.choice([0.02, 0.1, 0.3])
        begun = time.monotonic()
        await system.shutdown(timeout=timeout)
        took = time.monotonic() - begun
        assert took < timeout + FORCED_STOP_GRACE + SLACK, f"shutdown took {took:.2f}s"

        await asyncio.gather(*producers)
        await asyncio.gather(*asks)
        outcomes = await asyncio.gather(*(h.result() for h, _ in handles), return_exceptions=True)
        for (handle, payload), outcome in zip(handles, outcomes, strict=True):
            assert handle.status in ("succeeded", "failed"), handle
            assert outcome == payload or isinstance(outcome, ActorError | ChaosError)
        assert system.tasks.running == 0 and system.tasks.pending == 0
        assert pending_asks(system) == 0
        assert [actor.path for actor in snapshots(system)] == ["/"]
        assert_invariants(system)
        ledger.check(settled=True)
        print(f"shutdown took {took:.3f}s (timeout {timeout}); {system.accounting()}")
        kit.gate.set()
        await tasks.assert_no_leaks()
