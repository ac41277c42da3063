"""An actor stopping while its timer ticks faster than it handles the ticks (API 5, 9): its
timers end as its stop begins, so the stop ends after the message in hand."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, TimerHandle
from actorkit.testing import ManualClock, pending_timers

from .invariants import assert_invariants
from .shutdown_support import BOUND
from .timers_support import Stepper


class Slow(Actor):
    """Holds each tick until the test lets it go; runs the steps it is sent."""

    def __init__(self, entered: asyncio.Queue[asyncio.Event], seen: list[Any]) -> None:
        self.entered = entered
        self.seen = seen

    async def receive(self, message: Any) -> Any:
        if callable(message):
            return message(self)
        self.seen.append(message)
        gate = asyncio.Event()
        self.entered.put_nowait(gate)
        await gate.wait()
        return None


class Pump:
    """Each tick in hand lets the clock move an interval before it is done: ticks come faster
    than the actor handles them, so one is always queued when it finishes the last. It holds
    the first tick in hand (the next queued behind it) until `release`."""

    def __init__(self, clock: ManualClock, entered: asyncio.Queue[asyncio.Event]) -> None:
        self.clock, self.entered = clock, entered
        self.holding, self.release = asyncio.Event(), asyncio.Event()

    async def run(self) -> None:
        while True:
            gate = await self.entered.get()
            await self.clock.advance(1.0)
            if not self.holding.is_set():
                self.holding.set()
                await self.release.wait()
            gate.set()


def own_timer(system: ActorSystem, ref: ActorRef) -> Callable[[Actor], object]:
    return lambda actor: actor.timers.start_every("k", "tick", 1.0)


def system_timer(system: ActorSystem, ref: ActorRef) -> Callable[[Actor], object]:
    return lambda actor: system.schedule_every(1.0, ref, "tick")


@pytest.mark.parametrize("stop", ["shutdown", "ref.stop()"])
@pytest.mark.parametrize("arm", [own_timer, system_timer], ids=["self.timers", "schedule_every"])
async def test_a_stop_ends_once_the_tick_in_hand_is_done(
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    stop: str,
    arm: Callable[[ActorSystem, ActorRef], Callable[[Actor], object]],
) -> None:
    entered: asyncio.Queue[asyncio.Event] = asyncio.Queue()
    seen: list[Any] = []
    system = ActorSystem(clock=clock, metrics=False)
    await system.start()
    ref = await system.spawn(Slow, entered, seen)
    await ref.ask(arm(system, ref))
    pump = Pump(clock, entered)
    pumping = asyncio.create_task(pump.run())
    try:
        async with asyncio.timeout(BOUND):
            await clock.advance(1.0)  # the first tick; the pump keeps them coming from here
            await pump.holding.wait()  # a tick in hand, the next queued behind it
            in_hand = len(seen)
            stopping = asyncio.ensure_future(
                system.shutdown(timeout=1.0) if stop == "shutdown" else ref.stop()
            )
            await clock.settle()  # the stop reached the actor, and waits for its tick in hand
            pump.release.set()
            await stopping  # a shutdown forced past its second would log it
            # An actor's own timer's tick already queued is withdrawn. A system timer's is a
            # tell (`cancel` withdraws none either): received in a shutdown's drain, a dead
            # letter at `ref.stop()`, as any message queued then is.
            queued_tell = arm is system_timer
            assert len(seen) == in_hand + (queued_tell and stop == "shutdown")
            assert system.dead_letters.by_reason == (
                {"stopping": 1} if queued_tell and stop != "shutdown" else {}
            )  # and no forced stop cut into a handler
            assert "exceeded" not in caplog.text
            assert pending_timers(system) == 0
            if stop != "shutdown":
                assert_invariants(system)
    finally:
        pumping.cancel()
        await system.shutdown(timeout=0)


async def test_a_timer_started_while_its_actor_drains_is_not_armed(clock: ManualClock) -> None:
    """Its stop ended its timers as it began, and ends one started while it drains too: a
    handler that arms one for each message it handles cannot keep the drain going."""
    seen: list[Any] = []
    gate = asyncio.Event()
    system = ActorSystem(clock=clock, metrics=False)
    await system.start()
    ref = await system.spawn(Stepper, seen)
    try:
        async with asyncio.timeout(BOUND):
            ref.tell(("hold", gate, lambda actor: None))
            ref.tell(lambda actor: actor.timers.start_every("late", "tick", 1.0))
            ref.tell(lambda actor: seen.append(actor.timers.is_active("late")))
            stopping = asyncio.ensure_future(system.shutdown(timeout=1.0))
            await clock.settle()  # the drain waits for the message in hand
            gate.set()
            await stopping
            assert seen == [False]
            assert pending_timers(system) == 0 and system.dead_letters.count == 0
    finally:
        await system.shutdown(timeout=0)


async def test_a_schedule_every_to_an_actor_that_drains_is_not_armed(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Made while its drain runs (by its own handler here), a periodic timer to it would tick
    faster than it handles the ticks, as one made before would: it ends at once instead, as a
    timer the actor starts itself while draining is not armed."""
    entered: asyncio.Queue[asyncio.Event] = asyncio.Queue()
    seen: list[Any] = []
    handles: list[TimerHandle] = []
    system = ActorSystem(clock=clock, metrics=False)
    await system.start()
    ref = await system.spawn(Slow, entered, seen)

    async def pump() -> None:  # each message in hand lets the clock move a tick's interval
        while True:
            gate = await entered.get()
            await clock.advance(1.0)
            gate.set()

    pumping: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(BOUND):
            ref.tell("first")
            first = await entered.get()  # in hand, the rest queued behind it
            ref.tell(lambda actor: handles.append(system.schedule_every(1.0, ref, "tick")))
            ref.tell("second")
            stopping = asyncio.ensure_future(system.shutdown(timeout=5.0))
            await clock.settle()  # the drain began, and waits for the message in hand
            pumping = asyncio.create_task(pump())
            first.set()
            await stopping
            assert seen == ["first", "second"]
            assert not handles[0].active
            assert "exceeded" not in caplog.text
            assert pending_timers(system) == 0
    finally:
        if pumping is not None:
            pumping.cancel()
        await system.shutdown(timeout=0)
