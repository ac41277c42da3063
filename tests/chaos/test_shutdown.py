"""Chaos: shutdown in the middle of traffic. Producers keep telling, asking, sending,
publishing and submitting while the system shuts down, some handlers are slow, blocked or
swallow their cancellation. Shutdown returns in bounded time and every message still ends
exactly once: processed, crashed or dead-lettered.

Each seed runs three kinds of shutdown: `drain` (blocked handlers released before it),
`drain-late` (released by the first producer that stops, mid-drain) and `forced` (`timeout=0`:
everything still queued or running is cut off). `shutdown(timeout)` waits on the event loop's
clock, not the system's, so a drain forced part of the way at a wall-clock moment would not
replay: these three do."""

from __future__ import annotations

import asyncio
import contextlib
import random
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
from ..shutdown_support import SLACK
from .kit import (
    Kit,
    Worker,
    ask_into_ledger,
    send_into_ledger,
    tell_into_ledger,
    yield_turns,
)
from .ledger import ChaosError, Fingerprint, Job, fingerprint
from .replay import assert_replays, chaos_run, remember, replayed_seed, seeds

PRODUCERS = 4
OPS_BEFORE = 1000
WEIGHTS = {"ok": 60.0, "crash": 5.0, "slow": 25.0, "wait": 4.0, "swallow": 1.0}
ORDERLY = 10.0
"""The timeout of an orderly shutdown: never reached, the drain ends first."""


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
            self.kit.ledger.was_processed(message.id, self.path)
            return message.id
        if isinstance(message, Task):
            await yield_turns(self.rng, 5)
            return message.payload
        return await super().receive(message)


class Traffic:
    """The actors under traffic and the producers feeding them, each with its own RNG."""

    def __init__(self, system: ActorSystem, kit: Kit, mode: str) -> None:
        self.system, self.kit, self.mode = system, kit, mode
        self.targets = [f"/sup/w{i}" for i in range(3)] + [f"/top{i}" for i in range(3)]
        self.asks: list[asyncio.Task[None]] = []
        self.handles: list[tuple[Any, int]] = []  # (handle, its payload)
        self.started = asyncio.Event()
        self.ops = 0

    async def spawn(self) -> None:
        system, kit = self.system, self.kit
        specs = [ChildSpec(Stubborn, kit, name=f"w{i}", mailbox_size=32) for i in range(3)]
        await system.spawn(Supervisor, specs, name="sup")
        for i in range(3):
            worker = await system.spawn(
                Stubborn, kit, name=f"top{i}", capabilities=["work"], mailbox_size=None
            )
            system.subscribe(worker, f"jobs.{i}.*")
        self.pool = await system.spawn_pool(Stubborn, kit, size=3, name="pool", mailbox_size=16)

    async def produce(self, number: int) -> None:
        system, kit = self.system, self.kit
        rng = kit.rng_for(f"producer{number}")
        while True:
            self.ops += 1
            if self.ops == OPS_BEFORE:
                self.started.set()
            await self.one(rng, kit.job(WEIGHTS, rng))
            if not accepting(system) and rng.random() < 0.05:
                if self.mode == "drain-late":
                    kit.gate.set()  # the first producer to stop lets the drain finish
                return  # kept producing a little into the shutdown
            await kit.step(rng)

    async def one(self, rng: random.Random, job: Job) -> None:
        system, ledger = self.system, self.kit.ledger
        ref = system.lookup(rng.choice(self.targets)) or self.pool
        dice = rng.random()
        if dice < 0.5:
            tell_into_ledger(ledger, rng.choice([ref, self.pool]), job)
        elif dice < 0.65:
            ask = ask_into_ledger(ledger, ref, job, rng.choice([0.01, 5]))
            self.asks.append(asyncio.create_task(ask))
        elif dice < 0.75:
            await send_into_ledger(ledger, ref, job, 10)
        elif dice < 0.9:
            # Delivered once, or a dead letter (`no_subscribers`, `mailbox_full`).
            system.publish(f"jobs.{rng.randint(0, 3)}.x", job)
            ledger.told.add(job.id)
        else:
            with contextlib.suppress(ActorError):  # ActorStopped once shut down
                self.handles.append((await system.submit(job.id, requires=["work"]), job.id))


async def check_ended(system: ActorSystem, traffic: Traffic) -> tuple[object, ...]:
    """Every ask and task ended, nothing is left of the system; returns the task outcomes."""
    await asyncio.gather(*traffic.asks)
    handles = traffic.handles
    outcomes = await asyncio.gather(*(h.result() for h, _ in handles), return_exceptions=True)
    for (handle, payload), outcome in zip(handles, outcomes, strict=True):
        assert handle.status in ("succeeded", "failed"), handle
        assert outcome == payload or isinstance(outcome, ActorError | ChaosError)
    assert system.tasks.running == 0 and system.tasks.pending == 0
    assert pending_asks(system) == 0
    assert snapshots(system) == []
    return tuple((payload, handle.status.value) for handle, payload in handles)


MODES = ("drain", "drain-late", "forced")


async def run_shutdown(seed: int, mode: str) -> Fingerprint:
    async with chaos_run(seed, "shutdown"):
        kit = Kit(seed, on_stop_failure=0.1)
        ledger = kit.ledger
        tasks = TaskSnapshot()
        root = OneForOne(max_restarts=100_000, within=1.0)
        system = ActorSystem("chaos-shutdown", supervisor=root, clock=kit.clock)
        await system.start()
        ledger.attach(system)
        traffic = Traffic(system, kit, mode)
        await traffic.spawn()
        producers = [asyncio.create_task(traffic.produce(n)) for n in range(PRODUCERS)]
        await traffic.started.wait()
        if mode == "drain" or (mode == "forced" and kit.rng.random() < 0.5):
            kit.gate.set()
        timeout = 0.0 if mode == "forced" else ORDERLY
        begun = time.monotonic()
        await system.shutdown(timeout=timeout)
        took = time.monotonic() - begun
        assert took < timeout + FORCED_STOP_GRACE + SLACK, f"shutdown took {took:.2f}s"

        await asyncio.gather(*producers)
        ended = await check_ended(system, traffic)
        assert_invariants(system)
        ledger.check(settled=True)
        print(f"shutdown ({mode}) took {took:.3f}s; {system.accounting()}")
        kit.gate.set()
        await tasks.assert_no_leaks()
        return fingerprint(system, ledger, mode, ended, system.accounting())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("seed", seeds())
async def test_shutdown_in_the_middle_of_traffic_loses_nothing(seed: int, mode: str) -> None:
    remember(("shutdown", seed, mode), await run_shutdown(seed, mode))


@pytest.mark.parametrize("mode", MODES)
async def test_a_seed_replays_its_run_exactly(mode: str) -> None:
    seed = replayed_seed()
    await assert_replays(("shutdown", seed, mode), lambda: run_shutdown(seed, mode))
