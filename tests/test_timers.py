"""Timers and scheduling on the system clock (API 5)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorRef,
    ActorStopped,
    ActorSystem,
    Backoff,
    OneForOne,
    Terminated,
    TimerHandle,
)
from actorkit._actor_timers import ActorTimer
from actorkit.testing import ManualClock, Probe, instance, pending_timers, snapshot

from .invariants import assert_invariants


class Ticker(Actor):
    def __init__(self, probe_ref: Any) -> None:
        self.probe_ref = probe_ref

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple) and message[0] == "every":
            self.timers.start_every(message[1], message[2], message[3])
        elif isinstance(message, tuple) and message[0] == "once":
            self.timers.start_once(message[1], message[2], message[3])
        elif isinstance(message, tuple) and message[0] == "cancel":
            return self.timers.cancel(message[1])
        elif message == "crash":
            raise RuntimeError("crash")
        elif message == "active":
            return len(self.timers)
        else:
            self.probe_ref.tell(message)
        return None


async def test_schedule_once_fires_at_its_time(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        handle = system.schedule_once(2.0, probe.ref, "ding")
        assert isinstance(handle, TimerHandle)
        await clock.advance(1.9)
        probe.expect_empty()
        await clock.advance(0.1)
        await probe.expect("ding")
        assert not handle.active
        assert pending_timers(system) == 0


async def test_periodic_fires_three_times_over_three_and_a_half_seconds(
    clock: ManualClock,
) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        handle = system.schedule_every(1.0, probe.ref, "tick")
        await clock.advance(3.5)
        assert probe.pending == 3
        assert handle.cancel() is True
        assert handle.cancel() is False
        await clock.advance(10)
        assert probe.pending == 3


async def test_timers_due_at_the_same_instant_fire_in_schedule_order(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        system.schedule_every(1.0, probe.ref, "every")  # due at 1, 2, ...: first each time
        for i in range(3):
            system.schedule_once(2.0, probe.ref, f"once{i}")
        system.schedule_once(1.0, probe.ref, "early")
        await clock.advance(2.0)
        got = [await probe.receive() for _ in range(6)]
        assert got == ["every", "early", "every", "once0", "once1", "once2"]


async def test_initial_delay(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        system.schedule_every(1.0, probe.ref, "tick", initial_delay=0.25)
        await clock.advance(0.25)
        assert probe.pending == 1
        await clock.advance(1.0)
        assert probe.pending == 2


async def test_no_drift_over_a_thousand_ticks(clock: ManualClock) -> None:
    fired_at: list[float] = []

    class Stamp(Actor):
        async def receive(self, message: Any) -> None:
            fired_at.append(clock.now())

    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Stamp)
        system.schedule_every(0.1, ref, "tick")
        for _ in range(10):
            await clock.advance(10.0)
        assert len(fired_at) == 1000
        assert fired_at[-1] == pytest.approx(100.0, abs=1e-9)
        assert all(abs(t - 0.1 * (i + 1)) < 1e-9 for i, t in enumerate(fired_at))


@pytest.mark.parametrize(
    ("interval", "span", "ticks"),
    [(0.1, 0.3, 3), (0.2, 0.6, 3), (0.1, 0.6, 6), (0.3, 0.9, 3), (0.7, 2.1, 3), (1e-3, 1.0, 1000)],
)
async def test_a_tick_due_on_the_advance_boundary_fires_whatever_the_float_rounding(
    clock: ManualClock, interval: float, span: float, ticks: int
) -> None:
    # 0.1 + 2 * 0.1 is 0.30000000000000004: a hair past advance(0.3)'s target, still due.
    async with asyncio.timeout(30), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        system.schedule_every(interval, probe.ref, "tick")
        await clock.advance(span)
        assert probe.pending == ticks
        assert clock.now() == pytest.approx(span, rel=1e-9)
        await clock.advance(interval / 2)
        assert probe.pending == ticks


async def test_missed_ticks_are_coalesced_not_queued() -> None:
    class JumpClock(ManualClock):
        """A clock that can jump without stepping, like a loop blocked for a while."""

        def jump(self, seconds: float) -> None:
            self._now += seconds

    clock = JumpClock()
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        system.schedule_every(1.0, probe.ref, "tick")
        clock.jump(3.5)  # ticks due at 1, 2 and 3 were missed
        await clock.advance(0)
        assert probe.pending == 1  # one delivery for the three missed ticks
        await clock.advance(0.5)  # back on the grid: next tick at 4.0
        assert probe.pending == 2
        await clock.advance(0.99)
        assert probe.pending == 2


async def test_actor_timer_same_key_replaces(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        ref = await system.spawn(Ticker, probe.ref)
        await ref.ask(("once", "k", "first", 1.0))
        await ref.ask(("once", "k", "second", 2.0))
        await clock.advance(5)
        await probe.expect("second")
        probe.expect_empty()


async def test_actor_timer_cancel(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        ref = await system.spawn(Ticker, probe.ref)
        await ref.ask(("every", "k", "tick", 1.0))
        await clock.advance(1)
        assert await ref.ask(("cancel", "k")) is True
        assert await ref.ask(("cancel", "k")) is False
        await clock.advance(5)
        assert probe.pending == 1


async def test_actor_timers_end_at_restart_and_at_stop(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        ref = await system.spawn(Ticker, probe.ref)
        await ref.ask(("every", "k", "tick", 1.0))
        assert pending_timers(system) == 1
        with pytest.raises(RuntimeError):
            await ref.ask("crash")
        await clock.advance(5)
        assert probe.pending == 0
        assert pending_timers(system) == 0
        assert await ref.ask("active") == 0
        await ref.ask(("every", "k", "tick", 1.0))
        await ref.stop()
        await clock.advance(5)
        assert probe.pending == 0
        assert pending_timers(system) == 0


Step = Callable[[Actor], Any]


class Stepper(Actor):
    """Runs the steps it is sent inside itself and notes every other message in `seen`; on
    `("hold", gate, step)` it waits for the gate first, so ticks can queue behind it."""

    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple) and message[0] == "hold":
            _, gate, step = message
            await gate.wait()
            return step(self)
        if callable(message):
            return message(self)
        self.seen.append(message)
        return None


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
            ref = await system.spawn_pool(Stepper, seen, size=1)
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


async def test_a_timer_cannot_be_started_on_a_stopped_actor(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        ref = await system.spawn(Ticker, probe.ref)
        actor = instance(ref)  # kept, as a task the actor spawned would keep it
        assert actor is not None
        await ref.stop()
        with pytest.raises(ActorStopped, match=r"stopped; its timer 'late' was not started"):
            actor.timers.start_once("late", "hello", 3600.0)
        with pytest.raises(ActorStopped, match="stopped"):
            actor.timers.start_every("late", "hello", 1.0)
        assert pending_timers(system) == 0 and len(actor.timers) == 0
        await clock.advance(3600.0)
        assert system.dead_letters.count == 0


async def test_a_one_off_timer_to_a_stopped_actor_ends_as_a_dead_letter(
    clock: ManualClock,
) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        handle = system.schedule_once(1.0, probe.ref, "tick")
        await probe.ref.stop()
        assert handle.active  # its message is still sent when due, and becomes a dead letter
        await clock.advance(1.0)
        assert system.dead_letters.by_reason == {"stopped": 1}
        assert not handle.active


@pytest.mark.parametrize("kind", ["actor", "pool"])
async def test_a_periodic_timer_ends_when_its_target_stops(clock: ManualClock, kind: str) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        target = await system.spawn_pool(Ticker, probe.ref, size=2) if kind == "pool" else probe.ref
        handle = system.schedule_every(1.0, target, "tick")
        await clock.advance(1.0)
        await probe.expect("tick")
        await target.stop()
        assert not handle.active
        assert handle.cancel() is False
        assert pending_timers(system) == 0
        await clock.advance(5.0)
        assert system.dead_letters.count == 0


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


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda s, r: s.schedule_once(-1, r, "x"), ValueError),
        (lambda s, r: s.schedule_every(0, r, "x"), ValueError),
        (lambda s, r: s.schedule_every(-1, r, "x"), ValueError),
        (lambda s, r: s.schedule_every(1, r, "x", initial_delay=-1), ValueError),
        (lambda s, r: s.schedule_once("soon", r, "x"), TypeError),
        (lambda s, r: s.schedule_once(1, "not a ref", "x"), TypeError),
    ],
)
async def test_bad_schedule_arguments(call: Any, error: type[Exception]) -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        with pytest.raises(error):
            call(system, probe.ref)
