"""`len(self.timers)` counts what `is_active` holds for the actor's own keys (docs/api.md §5):
a one-shot timer that fired with its tick still queued is active, and a durable actor's
reminders are kept among its timers by the layer above, under keys of its own, which
`cancel_all` leaves and no key of the user's names. `len` counted the pending timers of
the kernel instead: the first not at all, the second as the user's."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.persistence import DurableState, MemoryStore
from actorkit.testing import ManualClock, instance


class Busy(Actor):
    def __init__(self, gate: asyncio.Event, seen: list[Any]) -> None:
        self.gate, self.seen = gate, seen

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            await self.gate.wait()
        else:
            self.seen.append((message, self.timers.is_active(message), len(self.timers)))
        return message


async def test_a_fired_timer_with_its_tick_queued_is_counted_until_it_is_in_hand(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()
    seen: list[Any] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Busy, gate, seen)
        actor = instance(ref)
        assert actor is not None
        timers = actor.timers
        timers.start_once("once", "once", 1.0)
        timers.start_every("tick", "tick", 1.0)
        ref.tell("hold")
        await clock.settle()
        try:
            assert (len(timers), timers.is_active("once")) == (2, True)
            await clock.advance(1.0)  # both fired; their ticks wait behind "hold"
            active = (timers.is_active("once"), timers.is_active("tick"))
            assert (len(timers), active) == (2, (True, True))
        finally:
            gate.set()
        await clock.settle()
        assert seen[:2] == [("once", False, 1), ("tick", True, 1)]
        assert len(timers) == 1
        timers.cancel("tick")
        assert len(timers) == 0


class Reminded(DurableState):
    gate: asyncio.Event | None = None

    async def receive(self, message: Any) -> Any:
        if message == "remind":
            await self.reminders.start("k", "tick", 60.0)
            self.timers.start_once("own", "own", 30.0)
        elif message == "hold" and self.gate is not None:
            await self.gate.wait()
        return len(self.timers), self.timers.is_active("own")


async def test_a_durable_actors_reminders_are_not_counted_among_its_timers(
    clock: ManualClock,
) -> None:
    async with asyncio.timeout(5), ActorSystem("len", store=MemoryStore(), clock=clock) as system:
        owner = await system.spawn(Reminded, name="owner")
        assert await owner.ask("remind") == (1, True)
        assert await owner.ask("again") == (1, True)


async def test_a_fired_reminder_with_its_tick_queued_is_not_counted(clock: ManualClock) -> None:
    gate = asyncio.Event()
    async with asyncio.timeout(5), ActorSystem("len", store=MemoryStore(), clock=clock) as system:
        owner = await system.spawn(Reminded, name="owner")
        assert await owner.ask("remind") == (1, True)
        actor = instance(owner)
        assert isinstance(actor, Reminded)
        actor.gate = gate
        owner.tell("hold")
        await clock.settle()
        try:
            await clock.advance(60.0)  # both fired; their ticks wait behind "hold"
            assert (len(actor.timers), actor.timers.is_active("own")) == (1, True)
        finally:
            gate.set()
