"""Actors, their own timers, names and persistence ids at the edges a mutation review found
untested."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NameTaken
from actorkit.persistence import DurableState, MemoryStore
from actorkit.testing import ManualClock, snapshot

from .timers_support import Stepper, tick_refused_as_full


async def test_a_timer_started_again_from_a_dead_letter_listener_stays_active(
    clock: ManualClock,
) -> None:
    # The refused tick's dead letter reaches the listener before its one-shot timer has ended:
    # the timer the listener starts under the same key must outlive the end of the old one.
    seen: list[Any] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Stepper, seen, mailbox_size=1)
        timers = await ref.ask(lambda actor: actor.timers)
        await ref.ask(lambda actor: actor.timers.start_once("k", "tick", 1.0))
        system.dead_letters.listen(lambda letter: timers.start_once("k", "again", 5.0))
        gate = await tick_refused_as_full(system, clock, ref)
        assert timers.is_active("k")
        assert len(timers) == 1
        gate.set()
        await clock.advance(5.0)
        await ref.ask(lambda actor: None)
        assert seen == ["filler", "again"]


class CancelsOnItsTick(Actor):
    """Cancels its periodic timer while handling the first tick, once `gate` opens."""

    def __init__(self, seen: list[Any], holding: asyncio.Event, gate: asyncio.Event) -> None:
        self.seen, self.holding, self.gate = seen, holding, gate

    async def receive(self, message: Any) -> Any:
        if message == "arm":
            self.timers.start_every("k", "tick", 1.0)
            return None
        self.seen.append(message)
        if message == "tick" and self.seen.count("tick") == 1:
            self.holding.set()
            await self.gate.wait()
            self.seen.append(self.timers.cancel("k"))
        return None


async def test_a_periodic_timer_cancelled_in_its_own_tick_withdraws_the_next_one_queued(
    clock: ManualClock,
) -> None:
    seen: list[Any] = []
    holding, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(CancelsOnItsTick, seen, holding, gate)
        await ref.ask("arm")
        await clock.advance(1.0)
        await holding.wait()
        await clock.advance(1.0)  # the next tick queues behind the one in hand
        assert snapshot(ref).accounting.queued == 1
        gate.set()
        await ref.ask("done")
        assert seen == ["tick", True, "done"]


class Box(DurableState):
    async def receive(self, message: Any) -> Any:
        return self.persistence_id


async def test_a_spawn_refused_with_a_persistence_id_leaves_no_id_to_the_next_spawn() -> None:
    async with asyncio.timeout(5), ActorSystem("ids", store=MemoryStore()) as system:
        await system.spawn(Box, name="taken")
        with pytest.raises(NameTaken):
            await system.spawn(Box, name="taken", persistence_id="order-1")
        plain = await system.spawn(Box, name="plain")
        assert await plain.ask("id") == "/plain"


async def test_a_tick_queued_behind_an_ask_is_withdrawn_by_a_cancel_in_that_ask(
    clock: ManualClock,
) -> None:
    seen: list[Any] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Stepper, seen)
        await ref.ask(lambda actor: actor.timers.start_once("k", "tick", 1.0))
        gate = asyncio.Event()
        asked = asyncio.ensure_future(ref.ask(("hold", gate, lambda a: a.timers.cancel("k"))))
        await clock.settle()
        await clock.advance(1.0)  # the tick queues behind the ask in hand
        gate.set()
        assert await asked is True
        await ref.ask(lambda actor: None)
        assert seen == []


async def test_a_path_without_its_leading_slash_is_refused_not_looked_up() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        await system.spawn(Stepper, [], name="child")
        with pytest.raises(ValueError, match="path must be an actor path such as '/parent/child'"):
            system.lookup("child")
        assert system.lookup("/child") is not None
