"""The largest values the checks accept behave: a wait just short of `FOREVER` arms on both
event loops (no `OverflowError` from asyncio's or uvloop's timer heap), a mailbox or restart
limit of 2**64 is simply no limit, priorities past 64 bits order the queue, and numpy's
numbers and an `IntEnum` are taken as the numbers they hold."""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, ChildSpec, OneForOne, Supervisor, Task
from actorkit.testing import ManualClock, Probe, pending_timers

ALMOST_FOREVER = 999_999_999.9
"""Just under `FOREVER` (1e9 s, exclusive), the longest wait the checks take."""


class Worker(Actor):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task):
            return message.payload
        if message == "boom":
            raise RuntimeError("boom")
        return message


class Recorder(Actor):
    def __init__(self, ran: list[int]) -> None:
        self.ran = ran

    async def receive(self, message: Any) -> Any:
        self.ran.append(message.payload)


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 5


async def test_the_longest_waits_arm_and_cancel_on_this_loop() -> None:
    async with asyncio.timeout(10):
        async with ActorSystem("far") as system:
            ref = await system.spawn(Worker)
            once = system.schedule_once(ALMOST_FOREVER, ref, "x")
            every = system.schedule_every(ALMOST_FOREVER, ref, "x", initial_delay=ALMOST_FOREVER)
            assert await ref.ask("here", timeout=ALMOST_FOREVER) == "here"
            task = await system.submit("job", deadline=ALMOST_FOREVER)
            assert pending_timers(system) == 2
            assert once.cancel() and every.cancel() and task.cancel()
            assert pending_timers(system) == 0


async def test_numpy_numbers_and_an_int_enum_are_the_seconds_they_hold() -> None:
    np = pytest.importorskip("numpy")
    clock = ManualClock()
    async with asyncio.timeout(10):
        async with ActorSystem("numbers", clock=clock) as system:
            probe = await Probe.spawn(system)
            system.schedule_once(np.float64(2.5), probe.ref, "float64")
            system.schedule_once(Level.HIGH, probe.ref, "enum")
            await clock.advance(2.4)
            probe.expect_empty()
            await clock.advance(0.1)
            await probe.expect("float64")
            await clock.advance(2.5)
            await probe.expect("enum")
            system.schedule_once(np.int64(1), probe.ref, "int64")  # an integer by __index__
            await clock.advance(1.0)
            await probe.expect("int64")
            assert pending_timers(system) == 0


async def test_a_mailbox_of_2_to_the_64_is_unbounded_in_effect() -> None:
    async with asyncio.timeout(10):
        async with ActorSystem("big") as system:
            ref = await system.spawn(Worker, mailbox_size=2**64)
            for n in range(100):
                ref.tell(n)
            assert await ref.ask("last") == "last"


async def test_a_restart_limit_of_2_to_the_64_keeps_restarting() -> None:
    strategy = OneForOne(max_restarts=2**64, within=ALMOST_FOREVER)
    async with asyncio.timeout(10):
        async with ActorSystem("restarts") as system:
            await system.spawn(Supervisor, [ChildSpec(Worker, name="w")], strategy, name="sup")
            for _ in range(3):
                with pytest.raises(RuntimeError, match="boom"):
                    await system.ask("/sup/w", "boom")
            assert await system.ask("/sup/w", "alive") == "alive"


async def test_priorities_past_64_bits_and_int_enums_order_the_queue() -> None:
    async with asyncio.timeout(10):
        async with ActorSystem("priorities") as system:
            order = [-(2**64), 0, Level.LOW, Level.HIGH, 2**64, 10**30]
            handles = [await system.submit(p, priority=p) for p in order]
            ran: list[int] = []
            await system.spawn(Recorder, ran, capabilities=["any"])
            await asyncio.gather(*(handle.result() for handle in handles))
    assert ran == sorted(order, reverse=True)  # the highest priority first
