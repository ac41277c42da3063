"""`self.timers.is_active(key)` as Akka's `isTimerActive`: a one-shot timer is active from its
start until its tick is handled, its time past and the tick still queued included, so the
idiom "start the flush timer unless one is on its way" neither restarts a timer whose tick
waits behind a busy handler nor, under steady load, puts the flush off for ever (API 5)."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock


class Batcher(Actor):
    """Collects items and flushes them one second after the first of a batch, Akka's way:
    `if not isTimerActive(key): startSingleTimer(key, Flush, 1.second)`."""

    def __init__(self, clock: ManualClock, flushed: list[tuple[float, list[int]]]) -> None:
        self.clock = clock
        self.flushed = flushed
        self.batch: list[int] = []

    async def receive(self, message: Any) -> Any:
        if message == "flush":
            self.flushed.append((self.clock.now(), self.batch))
            self.batch = []
        elif isinstance(message, asyncio.Event):
            await message.wait()
        elif message == "active":
            return self.timers.is_active("flush")
        else:
            self.batch.append(message)
            if not self.timers.is_active("flush"):
                self.timers.start_once("flush", "flush", 1.0)
        return None


async def test_a_fired_timer_whose_tick_is_queued_is_still_active(clock: ManualClock) -> None:
    flushed: list[tuple[float, list[int]]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Batcher, clock, flushed)
        ref.tell(1)
        gate = asyncio.Event()
        ref.tell(gate)  # busy: what follows queues
        ref.tell(2)
        ref.tell("active")
        await clock.advance(1.0)  # the flush fires; its tick queues behind 2
        ref.tell(3)
        active_behind_the_tick = asyncio.ensure_future(ref.ask("active"))
        gate.set()
        await clock.settle()
        assert flushed == [(1.0, [1, 2])]
        assert await active_behind_the_tick  # 3 started the next batch's timer
        await clock.advance(1.0)
        assert flushed == [(1.0, [1, 2]), (2.0, [3])]


async def test_a_busy_batcher_still_flushes_on_time(clock: ManualClock) -> None:
    """Each second a batch begins, and its flush fires while a handler runs with an item
    queued ahead of the tick: every batch still ends on time (a timer taken for ended once it
    fired was started again by that item, its queued tick withdrawn, and the flush put off a
    second each time, for ever)."""
    flushed: list[tuple[float, list[int]]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Batcher, clock, flushed)
        for second in range(3):
            ref.tell(2 * second)  # starts the batch's flush timer
            gate = asyncio.Event()
            ref.tell(gate)
            ref.tell(2 * second + 1)
            await clock.advance(1.0)  # the flush's tick queues behind that item
            gate.set()
            await clock.settle()
        assert flushed == [(1.0, [0, 1]), (2.0, [2, 3]), (3.0, [4, 5])]


async def test_a_timer_is_not_active_while_its_own_tick_is_handled(clock: ManualClock) -> None:
    """Akka takes a one-shot timer out before its message is handled: the handler may start
    it again, and a periodic one stays active until it is cancelled."""
    seen: list[tuple[str, bool, bool]] = []

    class Looking(Actor):
        async def on_start(self) -> None:
            self.timers.start_once("once", "once", 1.0)
            self.timers.start_every("every", "every", 1.0)

        async def receive(self, message: Any) -> Any:
            timers = self.timers
            seen.append((message, timers.is_active("once"), timers.is_active("every")))

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        await system.spawn(Looking)
        await clock.advance(1.0)
        assert seen == [("once", False, True), ("every", False, True)]


class Steps(Actor):
    """Runs the functions it is sent, waits on the events, notes the rest."""

    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> Any:
        if isinstance(message, asyncio.Event):
            await message.wait()
        elif callable(message):
            return message(self)
        else:
            self.seen.append(message)
        return None


async def test_cancel_answers_what_is_active_said_and_ends_it(clock: ManualClock) -> None:
    """`cancel(key)` answers whether it stopped a pending timer or withdrew its tick: what
    `is_active(key)` said just before; neither is left afterwards."""
    seen: list[Any] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Steps, seen)
        await ref.ask(lambda actor: actor.timers.start_once("k", "tick", 1.0))
        gate = asyncio.Event()
        ref.tell(gate)
        outcome = asyncio.ensure_future(
            ref.ask(lambda actor: (actor.timers.is_active("k"), actor.timers.cancel("k")))
        )
        after = asyncio.ensure_future(ref.ask(lambda actor: actor.timers.is_active("k")))
        await clock.advance(1.0)  # fired: its tick waits behind the gate and both asks
        gate.set()
        assert await outcome == (True, True)
        assert await after is False
        await clock.advance(1.0)
        assert seen == []
