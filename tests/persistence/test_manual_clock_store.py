"""`ManualClock` and the store: an actor awaiting the system's store (persist, save, recovery,
a reminder's storage) is busy, so `settle` waits for it and `advance` never moves time past
it, within `store_timeout`; a store that does not answer fails the test naming the call."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import actorkit
from actorkit import ActorSystem
from actorkit.persistence import DurableState, EventSourced, MemoryStore, StoredState
from actorkit.testing import ManualClock, instance, snapshot

from .durable_support import KINDS, MakeStore, SharedMemoryStore, store_maker

pytestmark = pytest.mark.timeout(30)

LATENCY = 0.05
"""Seconds `SlowStore` takes to answer: many loop turns, so a clock that took an actor
waiting on it for quiet would go on without it every time."""


class SlowStore(SharedMemoryStore):
    """Answers from a thread after `LATENCY`, as aiosqlite answers from its own: the actors
    waiting on it are waiting on no task."""

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        await asyncio.to_thread(time.sleep, LATENCY)
        return await super().append(persistence_id, expected_seq, payloads)

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        await asyncio.to_thread(time.sleep, LATENCY)
        return await super().save_state(persistence_id, expected_revision, payload)

    async def load_state(self, persistence_id: str) -> StoredState | None:
        await asyncio.to_thread(time.sleep, LATENCY)
        return await super().load_state(persistence_id)


@pytest.fixture(params=[*KINDS, "slow"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> MakeStore:
    if request.param == "slow":
        store = SlowStore()
        return lambda: store
    return store_maker(request, tmp_path)


@actorkit.message("tests.persistence.clock.Ticked")
@dataclass(frozen=True)
class Ticked:
    pass


class Counter(DurableState):
    async def receive(self, message: Any) -> Any:
        if message == "inc":
            await self.save((self.state or 0) + 1)
        return self.state


class Owner(EventSourced):
    """On its reminder's tick: asks `counter` (which saves), persists, cancels the reminder."""

    def __init__(self, counter: actorkit.ActorRef | None = None) -> None:
        self.counter = counter
        self.ticks = 0
        self.replies: list[Any] = []

    def apply(self, event: Any) -> None:
        self.ticks += 1

    async def receive(self, message: Any) -> Any:
        if message == "arm":
            await self.reminders.start("t", "tick", delay=10.0)
        elif message == "tick":
            if self.counter is not None:
                self.replies.append(await self.counter.ask("inc", timeout=5.0))
            await self.persist(Ticked())
            await self.reminders.cancel("t")
        return self.ticks


async def test_advance_waits_for_a_reminder_s_handler_to_persist(make: MakeStore) -> None:
    clock = ManualClock()
    store = make()
    async with asyncio.timeout(20), ActorSystem("c", store=store, clock=clock) as system:
        assert system.store is store
        owner = await system.spawn(Owner, name="o")
        await owner.ask("arm")
        await clock.advance(10.0)
        live = instance(owner)
        assert isinstance(live, Owner)
        assert (live.ticks, snapshot(owner).accounting.handling) == (1, 0)
        assert not clock.store_calls


async def test_an_ask_to_a_durable_actor_does_not_time_out_while_it_saves(
    make: MakeStore,
) -> None:
    """The ask's 5 s deadline is on the clock: `advance(20)` must not pass it while the
    asked actor waits on the store."""
    clock = ManualClock()
    async with asyncio.timeout(20), ActorSystem("c", store=make(), clock=clock) as system:
        counter = await system.spawn(Counter, name="c")
        owner = await system.spawn(Owner, counter, name="o")
        await owner.ask("arm")
        await clock.advance(20.0)
        live = instance(owner)
        assert isinstance(live, Owner)
        assert live.replies == [1]
        assert await owner.ask("get") == 1


class Periodic(DurableState):
    async def receive(self, message: Any) -> Any:
        if message == "arm":
            await self.reminders.start("every", "tick", delay=1.0, every=1.0)
        elif message == "crash":
            raise RuntimeError("crash")
        elif message == "tick":
            await self.save((self.state or 0) + 1)
        return self.state


async def test_a_restart_under_advance_keeps_one_tick_per_period(make: MakeStore) -> None:
    """`advance` waits for the recovery, so no period passes while the owner is away: the
    overdue reminder fires in that same advance (the documented at-least-once re-fire of the
    tick at 3), then one tick per second."""
    clock = ManualClock()
    async with asyncio.timeout(20), ActorSystem("c", store=make(), clock=clock) as system:
        owner = await system.spawn(Periodic, name="o")
        await owner.ask("arm")
        await clock.advance(3.0)
        assert await owner.ask("get") == 3
        with pytest.raises(RuntimeError, match="crash"):
            await owner.ask("crash")
        await clock.advance(1.0)  # the tick at 3 again, right after recovery, and the one at 4
        assert await owner.ask("get") == 5
        await clock.advance(4.0)
        assert await owner.ask("get") == 9


class HungStore(MemoryStore):
    """Never answers an append until `release` is set: a database that stopped responding."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        await self.release.wait()
        return await super().append(persistence_id, expected_seq, payloads)


async def test_a_store_that_does_not_answer_fails_settle_naming_the_call() -> None:
    clock = ManualClock(store_timeout=0.2)
    store = HungStore()
    async with asyncio.timeout(10), ActorSystem("c", store=store, clock=clock) as system:
        owner = await system.spawn(Owner, name="o")
        await owner.ask("arm")
        with pytest.raises(TimeoutError, match=r"HungStore\.append\('/o'\) for 0\.\d s"):
            await clock.advance(10.0)
        assert len(clock.store_calls) == 1
        store.release.set()
        await clock.settle()
        live = instance(owner)
        assert isinstance(live, Owner)
        assert live.ticks == 1
