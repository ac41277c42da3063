"""A `schedule_every` timer to an actor ends as the actor's stop for good begins (API 5): from
then on the actor handles nothing more, so a tick sent while its `on_stop` (or its children's
stop) runs could only be a dead letter `stopping`, as a draining stop's are not (api.md §9)."""

from __future__ import annotations

import asyncio

from actorkit import Actor, ActorSystem, TimerHandle
from actorkit.testing import ManualClock, pending_timers

BOUND = 10.0


class SlowStop(Actor):
    """Its `on_stop` waits for the test, which moves the clock meanwhile."""

    def __init__(self, entered: asyncio.Event, gate: asyncio.Event) -> None:
        self.entered, self.gate = entered, gate

    async def receive(self, message: object) -> None:
        return None

    async def on_stop(self) -> None:
        self.entered.set()
        await self.gate.wait()


class Parent(Actor):
    """Its child's `on_stop` holds the parent's stop, which stops its children first."""

    def __init__(self, entered: asyncio.Event, gate: asyncio.Event) -> None:
        self.entered, self.gate = entered, gate

    async def on_start(self) -> None:
        await self.spawn(SlowStop, self.entered, self.gate)

    async def receive(self, message: object) -> None:
        return None


async def test_a_periodic_timer_ends_as_its_targets_stop_begins(clock: ManualClock) -> None:
    entered, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        ref = await system.spawn(SlowStop, entered, gate)
        handle = system.schedule_every(1.0, ref, "tick")
        stopping = asyncio.ensure_future(ref.stop())
        try:
            await entered.wait()  # `on_stop` runs: the actor handles nothing more
            assert not handle.active and pending_timers(system) == 0
            late = system.schedule_every(1.0, ref, "late")  # made while it stops: not armed
            assert not late.active and pending_timers(system) == 0
            await clock.advance(5.0)
        finally:
            gate.set()
            await stopping
        # The ticks of the timer that ended are none; the one never armed is counted, once.
        assert system.dead_letters.by_reason == {"stopping": 1}


async def test_a_parents_periodic_timer_ends_while_its_children_stop(clock: ManualClock) -> None:
    entered, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Parent, entered, gate)
        handles: list[TimerHandle] = [system.schedule_every(1.0, ref, "tick")]
        stopping = asyncio.ensure_future(ref.stop())
        try:
            await entered.wait()  # the child's `on_stop` holds the parent's stop
            assert not handles[0].active
            await clock.advance(5.0)
        finally:
            gate.set()
            await stopping
        assert system.dead_letters.by_reason == {}


async def test_a_periodic_timer_keeps_ticking_across_a_restart(clock: ManualClock) -> None:
    """Not a stop for good: the restarted instance gets the ticks sent after its `on_stop`."""
    entered, gate = asyncio.Event(), asyncio.Event()
    seen: list[object] = []

    class Crashing(SlowStop):
        async def receive(self, message: object) -> None:
            if message == "crash":
                raise RuntimeError("crash")
            seen.append(message)

    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Crashing, entered, gate)
        handle = system.schedule_every(1.0, ref, "tick")
        ref.tell("crash")
        await entered.wait()  # the failing instance's `on_stop`
        assert handle.active
        await clock.advance(2.0)
        gate.set()
        await clock.advance(0.0)
        assert seen == ["tick", "tick"] and handle.active
        handle.cancel()


async def test_another_systems_periodic_timer_sends_nothing_once_the_stop_began(
    clock: ManualClock,
) -> None:
    """The target's stop cannot reach a timer queue of another system: that timer ends at its
    next tick instead, unsent, rather than tick into dead letters until the close."""
    entered, gate = asyncio.Event(), asyncio.Event()
    async with (
        asyncio.timeout(BOUND),
        ActorSystem("timing", clock=clock) as timing,
        ActorSystem("target", clock=clock) as target,
    ):
        ref = await target.spawn(SlowStop, entered, gate)
        handle = timing.schedule_every(1.0, ref, "tick")
        stopping = asyncio.ensure_future(ref.stop())
        try:
            await entered.wait()
            await clock.advance(3.0)
            assert not handle.active and pending_timers(timing) == 0
        finally:
            gate.set()
            await stopping
        assert target.dead_letters.by_reason == {} and timing.dead_letters.by_reason == {}
