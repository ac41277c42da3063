"""An actor's one-shot timer started again under its key (an idle timeout restarted by each
message, API 5): it fires once, with the last message, at the last time asked for, never at a
time it was moved from; ties with other timers keep the order of scheduling; a cancel, a
restart or a stop in between ends it."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem
from actorkit._timers import COMPACT_AT
from actorkit.testing import ManualClock, instance, pending_timers

from .invariants import assert_invariants

Step = Callable[[Actor], Any]


class Recorder(Actor):
    """Runs the steps it is sent; notes every other message with the time it came."""

    def __init__(self, clock: ManualClock, seen: list[tuple[float, Any]]) -> None:
        self.clock = clock
        self.seen = seen

    async def receive(self, message: Any) -> Any:
        if callable(message):
            return message(self)
        self.seen.append((self.clock.now(), message))
        return None


def once(key: str, message: str, delay: float) -> Step:
    return lambda actor: actor.timers.start_once(key, message, delay)


def steps(*all_of: Step) -> Step:
    def run(actor: Actor) -> None:
        for step in all_of:
            step(actor)

    return run


async def test_started_again_later_it_fires_once_at_the_new_time_with_the_last_message(
    clock: ManualClock,
) -> None:
    seen: list[tuple[float, Any]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Recorder, clock, seen)
        await ref.ask(once("idle", "first", 1.0))
        await clock.advance(0.5)
        await ref.ask(steps(once("idle", "second", 1.0), once("idle", "third", 1.0)))
        await clock.advance(0.75)  # past the first due time, 1.0
        assert seen == []
        assert pending_timers(system) == 1
        assert await ref.ask(lambda actor: actor.timers.is_active("idle"))
        await clock.advance(0.25)
        assert seen == [(1.5, "third")]
        await clock.advance(10.0)
        assert seen == [(1.5, "third")]
        assert pending_timers(system) == 0
        assert_invariants(system)


async def test_restarted_on_every_message_it_fires_once_they_stop_coming(
    clock: ManualClock,
) -> None:
    """The session pattern: each message restarts the idle timeout, crossing its old due time
    many times over; only the silence after the last one lets it fire."""
    seen: list[tuple[float, Any]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Recorder, clock, seen)
        for _ in range(40):
            await ref.ask(once("idle", "idle", 1.0))
            await clock.advance(0.75)
        assert seen == []
        await clock.advance(0.25)
        assert seen == [(30.25, "idle")]  # the last start, at 29.25, and 1.0
        assert pending_timers(system) == 0


async def test_started_again_earlier_it_fires_at_the_earlier_time(clock: ManualClock) -> None:
    seen: list[tuple[float, Any]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Recorder, clock, seen)
        await ref.ask(steps(once("k", "late", 5.0), once("k", "early", 1.0)))
        await ref.ask(once("j", "j1", 1.0))
        await clock.advance(0.5)
        await ref.ask(once("j", "j2", 2.0))  # later: due at 2.5
        await ref.ask(once("j", "j3", 0.25))  # then earlier than that: due at 0.75
        await clock.advance(5.0)
        assert seen == [(0.75, "j3"), (1.0, "early")]
        assert pending_timers(system) == 0
        assert_invariants(system)


async def started_again(
    system: ActorSystem, clock: ManualClock, seen: list[tuple[float, Any]], key: str
) -> ActorRef:
    """A recorder whose one-shot timer `key` ("first", due at 1.0) was started again half
    way, while pending: "second", due at 1.5."""
    ref = await system.spawn(Recorder, clock, seen)
    await ref.ask(once(key, "first", 1.0))
    await clock.advance(0.5)
    await ref.ask(once(key, "second", 1.0))
    return ref


async def test_cancelled_after_it_was_started_again_it_fires_nothing(clock: ManualClock) -> None:
    seen: list[tuple[float, Any]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await started_again(system, clock, seen, "idle")
        assert await ref.ask(lambda actor: actor.timers.cancel("idle")) is True
        assert await ref.ask(lambda actor: actor.timers.cancel("idle")) is False
        assert await ref.ask(lambda actor: len(actor.timers)) == 0
        assert pending_timers(system) == 0
        await clock.advance(10.0)
        assert seen == []
        assert clock.pending == 0  # nor is an entry of it left on the clock
        assert system.dead_letters.count == 0
        assert_invariants(system)


async def test_replaced_by_a_periodic_timer_after_it_was_started_again(
    clock: ManualClock,
) -> None:
    seen: list[tuple[float, Any]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await started_again(system, clock, seen, "k")
        await ref.ask(lambda actor: actor.timers.start_every("k", "tick", 0.25))
        await clock.advance(1.0)
        assert seen == [(0.75, "tick"), (1.0, "tick"), (1.25, "tick"), (1.5, "tick")]
        await ref.ask(once("k", "last", 0.5))  # and a periodic one replaced by a one-shot
        await clock.advance(1.0)
        assert seen[4:] == [(2.0, "last")]
        assert pending_timers(system) == 0


async def test_a_stop_after_it_was_started_again_ends_it_and_keeps_nothing_alive(
    clock: ManualClock,
) -> None:
    seen: list[tuple[float, Any]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await started_again(system, clock, seen, "idle")
        gone = weakref.ref(instance(ref))
        await ref.stop()
        gc.collect()
        assert gone() is None
        assert pending_timers(system) == 0
        await clock.advance(10.0)
        assert seen == []
        assert system.dead_letters.count == 0
        assert clock.pending == 0


async def test_a_restart_after_it_was_started_again_ends_it(clock: ManualClock) -> None:
    seen: list[tuple[float, Any]] = []

    def crash(actor: Actor) -> None:
        raise RuntimeError("crash on purpose")

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await started_again(system, clock, seen, "idle")
        with pytest.raises(RuntimeError):
            await ref.ask(crash)
        await clock.advance(10.0)
        assert seen == []
        assert pending_timers(system) == 0
        assert await ref.ask(lambda actor: len(actor.timers)) == 0
        assert_invariants(system)


def system_timer(delay: float, message: str) -> Step:
    """A `schedule_once` to the actor itself, in the same mailbox as its own ticks."""
    return lambda actor: actor.system.schedule_once(delay, actor.ref, message)


TIES = [
    pytest.param(
        [once("a", "a1", 1.0)],
        [once("a", "a2", 1.0), once("b", "b", 1.0), system_timer(1.0, "s")],
        ["a2", "b", "s"],
        id="started-again-before-the-others",
    ),
    pytest.param(
        [once("a", "a1", 1.0)],
        [once("b", "b", 1.0), system_timer(1.0, "s"), once("a", "a2", 1.0)],
        ["b", "s", "a2"],
        id="started-again-after-the-others",
    ),
    pytest.param(
        [once("a", "a1", 1.5), once("b", "b", 1.5), system_timer(1.5, "s")],
        [once("a", "a2", 1.0)],
        ["b", "s", "a2"],
        id="started-again-for-its-own-due-time",
    ),
    pytest.param(
        [once("a", "a1", 1.5), once("b", "b", 1.5), once("a", "a2", 1.5), once("a", "a3", 1.5)],
        [],
        ["b", "a3"],
        id="started-again-with-time-standing-still",
    ),
]


@pytest.mark.parametrize(("at_zero", "at_half", "expected"), TIES)
async def test_timers_due_at_one_instant_fire_in_the_order_of_their_last_start(
    clock: ManualClock, at_zero: list[Step], at_half: list[Step], expected: list[str]
) -> None:
    """Starting a timer again schedules it anew: among timers due at the same instant it
    fires after those scheduled before that start, and before those scheduled after it, as
    a new timer would, whatever the due time it was moved from."""
    seen: list[tuple[float, Any]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Recorder, clock, seen)
        await ref.ask(steps(*at_zero))
        await clock.advance(0.5)
        await ref.ask(steps(*at_half))
        await clock.advance(5.0)
        assert seen == [(1.5, message) for message in expected]
        assert pending_timers(system) == 0


async def test_started_again_later_it_keeps_its_handle_and_its_one_queue_entry(
    clock: ManualClock,
) -> None:
    """The cost the docs state: a start under the key of a one-shot timer due no later
    records the new time and message in the same timer, which stays filed once in the
    system's timer queue, where replacing it filed a new timer and left a dead entry each
    time. White-box: the queue and the key table are the kernel's own."""
    seen: list[tuple[float, Any]] = []

    def restart_often(actor: Actor) -> tuple[bool, int]:
        timers = actor.timers
        timers.start_once("idle", "idle", 1.0)
        first = timers._by_key["idle"]  # noqa: SLF001
        for i in range(2000):
            timers.start_once("idle", f"idle {i}", 1.0 + i / 1000)
        queue = actor.system._runtime.timers  # noqa: SLF001
        return first is timers._by_key["idle"], len(queue._run) + len(queue._heap)  # noqa: SLF001

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Recorder, clock, seen)
        assert await ref.ask(restart_often) == (True, 1)
        await clock.advance(2.998)
        assert seen == []
        await clock.advance(0.001)
        assert seen == [(2.999, "idle 1999")]


@pytest.mark.parametrize("later", [1.0, 0.5], ids=["for-a-later-time", "for-its-own-time"])
async def test_started_again_then_compacted_it_still_fires_once_in_its_place(
    clock: ManualClock, later: float
) -> None:
    """Cancelled timers past `COMPACT_AT` rebuild the queue while the timer's entry is still
    due at its old time (or, started again for that same time, still under its old place)."""
    seen: list[tuple[float, Any]] = []

    def crowd(actor: Actor) -> None:
        for i in range(COMPACT_AT + 2):
            actor.system.schedule_once(0.25, actor.ref, i).cancel()

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Recorder, clock, seen)
        await ref.ask(steps(once("a", "a1", 1.0), once("b", "b", 1.0)))
        await clock.advance(0.5)
        await ref.ask(steps(once("a", "a2", later), once("c", "c", later), crowd))
        await clock.advance(5.0)
        assert seen == [(1.0, "b"), (0.5 + later, "a2"), (0.5 + later, "c")]
        assert pending_timers(system) == 0
        assert clock.pending == 0
