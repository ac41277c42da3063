"""Timers across a restart: the new instance never gets the old one's ticks (API 3, 5)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorStopped, ActorSystem, Backoff, OneForOne
from actorkit.testing import ManualClock, Probe, instance, pending_timers, snapshot

from .invariants import assert_invariants
from .timers_support import Stepper


def crash(actor: Actor) -> None:
    raise RuntimeError("crash on purpose")


async def test_a_restarted_actor_never_receives_a_tick_of_the_instance_it_replaced(
    clock: ManualClock,
) -> None:
    seen: list[Any] = []
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Stepper, seen)
        await ref.ask(lambda actor: actor.timers.start_every("k", "stale", 1.0))
        gate = asyncio.Event()
        ref.tell(("hold", gate, crash))
        await clock.advance(1.0)  # the tick queues behind the message that will crash
        assert snapshot(ref).accounting.queued == 1
        gate.set()
        await ref.ask(lambda actor: None)  # the fresh instance answers, after the queue
        assert seen == []
        assert snapshot(ref).restarts == 1 and pending_timers(system) == 0
        assert system.dead_letters.count == 0
        assert_invariants(system)


async def test_an_instance_a_restart_replaced_cannot_start_a_timer_in_its_successor(
    clock: ManualClock,
) -> None:
    """A task the old instance left running reaches for `self.timers` after the restart: it
    is refused, as from a stopped actor, and the new instance never gets such a tick."""
    seen: list[Any] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Stepper, seen, name="stepper")
        old = await ref.ask(lambda actor: actor)
        with pytest.raises(RuntimeError):
            await ref.ask(crash)
        await ref.ask(lambda actor: None)  # the new instance answers
        assert instance(ref) is not old
        with pytest.raises(ActorStopped, match="this instance of /stepper was replaced by a "):
            old.timers.start_once("k", "stale", 1.0)
        await clock.advance(1.0)
        await ref.ask(lambda actor: None)
        assert seen == [] and pending_timers(system) == 0


async def test_a_timer_armed_during_a_restarts_backoff_never_reaches_the_new_instance(
    clock: ManualClock,
) -> None:
    """The old instance is gone and the new one not yet made: a task the old one left running
    can still arm a timer then (as its `on_stop` can), and it ends before the new instance
    starts, as the old instance's other timers did."""
    seen: list[Any] = []
    strategy = OneForOne(backoff=Backoff(min=5.0, max=5.0, jitter=0.0))
    async with asyncio.timeout(10), ActorSystem(clock=clock, supervisor=strategy) as system:
        ref = await system.spawn(Stepper, seen, name="stepper")
        old = await ref.ask(lambda actor: actor)
        with pytest.raises(RuntimeError):
            await ref.ask(crash)
        await clock.settle()  # the restart waits out its backoff
        assert snapshot(ref).state == "restarting" and instance(ref) is None
        old.timers.start_once("k", "stale", 6.0)  # due after the new instance started
        await clock.advance(5.0)
        await ref.ask(lambda actor: None)  # the new instance answers
        await clock.advance(2.0)
        await ref.ask(lambda actor: None)
        assert seen == [] and pending_timers(system) == 0


async def test_a_periodic_timer_to_a_restarting_actor_keeps_ticking(clock: ManualClock) -> None:
    class Flaky(Actor):
        def __init__(self, probe: ActorRef) -> None:
            self.probe = probe

        async def receive(self, message: Any) -> None:
            self.probe.tell(message)
            if message == "crash":
                raise RuntimeError("crash on purpose")

    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        flaky = await system.spawn(Flaky, probe.ref)
        handle = system.schedule_every(1.0, flaky, "tick")
        flaky.tell("crash")
        await probe.expect("crash")
        await clock.advance(1.0)
        await probe.expect("tick")  # same ref, new instance: the timer follows the actor
        assert handle.active
