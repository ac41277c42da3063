"""Ticks already queued when their timer is cancelled, replaced or its actor stops (API 5)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, Terminated
from actorkit._timer_handles import ActorTimer
from actorkit.testing import ManualClock, pending_timers, snapshot

from .invariants import assert_invariants
from .timers_support import Stepper

Step = Callable[[Actor], Any]


def cancel_k(actor: Actor) -> None:
    assert actor.timers.cancel("k")  # a tick still queued counts as something stopped


def replace_k(actor: Actor) -> None:
    actor.timers.start_once("k", "second", 1.0)


def arm_k_and_other(actor: Actor) -> None:
    actor.timers.start_once("k", "first", 1.0)
    actor.timers.start_once("other", "other", 1.0)


@pytest.mark.parametrize("step", [cancel_k, replace_k], ids=["cancelled", "replaced"])
async def test_a_tick_already_queued_is_not_received_once_its_timer_is_cancelled_or_replaced(
    clock: ManualClock, step: Step
) -> None:
    seen: list[Any] = []
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Stepper, seen)
        await ref.ask(arm_k_and_other)
        gate = asyncio.Event()
        ref.tell(("hold", gate, step))
        await clock.advance(1.0)  # both fire into the mailbox while the actor is busy
        assert snapshot(ref).accounting.queued == 2
        gate.set()
        await ref.ask(lambda actor: None)
        assert seen == ["other"]  # only the tick of "k" was withdrawn
        await clock.advance(1.0)
        await ref.ask(lambda actor: None)
        assert seen == (["other"] if step is cancel_k else ["other", "second"])
        box = snapshot(ref).accounting  # the withdrawn tick is as if never accepted
        handled = 5 if step is cancel_k else 6
        assert (box.accepted, box.processed, box.dead_lettered, box.queued) == (
            handled,
            handled,
            0,
            0,
        )
        assert system.dead_letters.count == 0
        assert_invariants(system)


@pytest.mark.parametrize("kind", ["actor", "pool"])
@pytest.mark.parametrize("every", [True, False], ids=["schedule_every", "schedule_once"])
async def test_a_system_timers_tick_already_queued_is_received_after_cancel(
    clock: ManualClock, kind: str, every: bool
) -> None:
    """System timers are senders, as Akka's scheduler: `cancel` stops what is not yet sent and
    leaves a tick already queued, at a pool's member too, where `self.timers` withdraws it."""
    seen: list[Any] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        if kind == "pool":
            ref: ActorRef = await system.spawn_pool(Stepper, seen, size=1)
        else:
            ref = await system.spawn(Stepper, seen)
        gate = asyncio.Event()
        ref.tell(("hold", gate, lambda actor: None))
        schedule = system.schedule_every if every else system.schedule_once
        handle = schedule(1.0, ref, "tick")
        await clock.advance(1.0)  # the tick queues behind the message in hand
        assert handle.cancel() is every  # a sent `schedule_once` message ended its timer
        gate.set()
        await ref.ask(lambda actor: None)
        await clock.advance(5.0)
        await ref.ask(lambda actor: None)
        assert seen == ["tick"]
        assert system.dead_letters.count == 0
        assert_invariants(system)


class Watcher(Actor):
    def __init__(self, ref: ActorRef, stopped: asyncio.Event) -> None:
        self.ref_, self.stopped = ref, stopped

    async def on_start(self) -> None:
        self.watch(self.ref_)

    async def receive(self, message: Any) -> None:
        if isinstance(message, Terminated):
            self.stopped.set()


def stop_self(actor: Actor) -> None:
    actor.stop()


@pytest.mark.parametrize("how", ["ref.stop()", "self.stop()"])
async def test_a_tick_queued_when_its_actor_stops_is_withdrawn_not_a_dead_letter(
    clock: ManualClock, how: str
) -> None:
    seen: list[Any] = []
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Stepper, seen, restart="transient")
        stopped = asyncio.Event()
        await system.spawn(Watcher, ref, stopped)
        await ref.ask(lambda actor: actor.timers.start_every("k", "tick", 1.0))
        gate = asyncio.Event()
        ref.tell(("hold", gate, stop_self if how == "self.stop()" else lambda actor: None))
        await clock.advance(1.0)  # a tick queues behind the message in hand
        stopping = asyncio.ensure_future(ref.stop()) if how == "ref.stop()" else None
        gate.set()
        await stopped.wait()
        if stopping is not None:
            await stopping
        assert seen == []
        assert system.dead_letters.count == 0  # the tick of a timer that ended is no letter
        box = snapshot(ref).accounting
        assert (box.accepted, box.processed, box.dead_lettered) == (2, 2, 0)
        assert pending_timers(system) == 0
        assert_invariants(system)


async def test_timers_whose_ticks_were_handled_are_not_kept(clock: ManualClock) -> None:
    """An actor keeps a timer that fired only while its tick may still be queued, to withdraw
    it: one-shot timers under ever new keys (a timeout per request) must not pile up."""
    seen: list[Any] = []
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Stepper, seen)
        gc.collect()
        before = live_actor_timers()
        for i in range(100):
            await ref.ask(lambda actor, i=i: actor.timers.start_once(i, i, 1.0))
            await clock.advance(1.0)
        await ref.ask(lambda actor: None)
        assert seen == list(range(100))
        gc.collect()
        assert live_actor_timers() - before <= 3


def live_actor_timers() -> int:
    return sum(1 for thing in gc.get_objects() if type(thing) is ActorTimer)


async def test_cancel_all_withdraws_every_tick_already_queued(clock: ManualClock) -> None:
    seen: list[Any] = []
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Stepper, seen)
        await ref.ask(arm_k_and_other)
        gate = asyncio.Event()
        ref.tell(("hold", gate, lambda actor: actor.timers.cancel_all()))
        await clock.advance(1.0)  # both fire into the mailbox while the actor is busy
        assert snapshot(ref).accounting.queued == 2
        gate.set()
        await ref.ask(lambda actor: None)
        assert seen == []
        assert snapshot(ref).accounting.queued == 0 and system.dead_letters.count == 0


async def test_a_tick_still_queued_is_withdrawn_after_handled_ticks_are_forgotten(
    clock: ManualClock,
) -> None:
    """Timers whose ticks were handled are forgotten once they outnumber the queue, but not
    one whose tick is still queued: cancelling it withdraws that tick."""
    seen: list[Any] = []

    def arm_four(actor: Actor) -> None:
        for key in range(4):
            actor.timers.start_once(key, key, 1.0)

    def cancel_k_noted(actor: Actor) -> None:
        seen.append(("cancelled", actor.timers.cancel("k")))

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Stepper, seen)
        await ref.ask(arm_four)
        await clock.advance(1.0)  # all four tick and are handled
        await ref.ask(lambda actor: actor.timers.start_once("k", "late", 1.0))
        gate = asyncio.Event()
        ref.tell(("hold", gate, cancel_k_noted))
        await clock.advance(1.0)  # the tick of "k" queues behind the held step
        gate.set()
        await ref.ask(lambda actor: None)
        assert seen == [0, 1, 2, 3, ("cancelled", True)]
