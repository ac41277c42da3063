"""`self.timers.cancel` withdraws a queued tick without a scan of the queue (`_withdraw`): its
return value, from plain code and from handlers, and the ticks that still arrive, for one-shot
and periodic timers, with many ticks queued (past the receive loop's batch) and a key started
again before its old tick left the queue."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, snapshot

from .invariants import assert_invariants
from .timer_cancel_support import WIDE, arm, held_with_ticks
from .timers_support import Stepper, arriving, withdrawn_by


async def test_cancel_says_whether_there_was_a_timer_or_a_queued_tick(clock: ManualClock) -> None:
    """Called from plain code while the actor awaits in a handler, as from a handler."""
    seen: list[Any] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref, gate, instance = await held_with_ticks(system, clock, seen, 3)
        timers = instance.timers
        assert timers.cancel(1)  # fired, its tick queued: withdrawn
        assert not timers.cancel(1)  # once
        assert snapshot(ref).accounting.queued == 2  # at once, before the actor runs
        assert_invariants(system)
        timers.start_once("live", "never", 5.0)
        assert timers.cancel("live") and not timers.cancel("live")
        assert not timers.cancel("never started")
        gate.set()
        await ref.ask(lambda actor: None)
        assert seen == [("tick", 0), ("tick", 2)]
        assert not timers.cancel(0)  # fired and handled: neither
        assert_invariants(system)


async def test_a_one_shot_tick_cancelled_from_its_own_handler_was_neither(
    clock: ManualClock,
) -> None:
    answers: list[bool] = []

    class Own(Actor):
        async def receive(self, message: Any) -> None:
            if message == "arm":
                self.timers.start_once("k", "tick", 1.0)
            elif message == "tick":
                answers.append(self.timers.cancel("k"))

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Own)
        await ref.ask("arm")
        await clock.advance(1.0)
        await ref.ask("sync")
        assert answers == [False]


async def test_a_periodic_timers_queued_ticks_are_all_withdrawn(clock: ManualClock) -> None:
    """A periodic timer queues a tick per interval while its actor is held (one, then several):
    cancelled from plain code, none arrives; cancelled from the handler of the first, the ones
    queued behind it do not either."""
    seen: list[Any] = []

    def tick(actor: Actor) -> None:
        seen.append("tick")
        actor.timers.cancel("p")

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Stepper, seen)
        instance: Actor = await ref.ask(lambda actor: actor)
        for from_plain_code in (True, False):
            await ref.ask(lambda actor: actor.timers.start_every("p", tick, 1.0))
            gate = asyncio.Event()
            ref.tell(("hold", gate, lambda actor: None))
            for queued in (1, 2, 3):
                await clock.advance(1.0)
                assert snapshot(ref).accounting.queued == queued
            if from_plain_code:
                assert instance.timers.cancel("p")
                assert snapshot(ref).accounting.queued == 0
                assert_invariants(system)
            gate.set()
            await ref.ask(lambda actor: None)
            assert_invariants(system)
        assert seen == ["tick"]
        assert snapshot(ref).accounting.queued == 0


async def test_ticks_cancelled_one_per_handler_never_arrive_wherever_they_are_queued(
    clock: ManualClock,
) -> None:
    """Each tick's handler cancels the timer of the next tick (about to be reached) and of one
    far behind (past the loop's reach): the rest arrive in order, and the counts balance."""
    seen: list[Any] = []
    answers: list[bool] = []

    class Canceller(Actor):
        async def receive(self, message: Any) -> Any:
            if callable(message):
                return message(self)
            if isinstance(message, tuple) and message[0] == "hold":
                await message[1].wait()
                return None
            _, key = message
            seen.append(key)
            answers.extend(self.timers.cancel(other) for other in withdrawn_by(key, WIDE))
            return None

    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Canceller, mailbox_size=None)
        await ref.ask(arm(WIDE))
        gate = asyncio.Event()
        ref.tell(("hold", gate))
        await clock.advance(1.0)
        gate.set()
        await ref.ask(lambda actor: None)
        expected, cancelled = arriving(WIDE)
        assert seen == expected
        assert answers.count(True) == len(cancelled) and len(cancelled) >= WIDE // 3
        box = snapshot(ref).accounting
        assert box.queued == 0 and box.accepted == box.processed
        assert system.dead_letters.count == 0
        assert_invariants(system)


async def test_a_key_started_again_before_its_old_tick_left_the_queue(clock: ManualClock) -> None:
    seen: list[Any] = []

    def again(actor: Actor) -> None:
        assert actor.timers.cancel(0)
        actor.timers.start_once(0, "again", 1.0)  # before the loop's next message
        assert actor.timers.is_active(0) and actor.timers.cancel(1)

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref, gate, _ = await held_with_ticks(system, clock, seen, 2, again)
        gate.set()
        await ref.ask(lambda actor: None)
        assert seen == []
        await clock.advance(1.0)
        await ref.ask(lambda actor: None)
        assert seen == ["again"]
        assert_invariants(system)
