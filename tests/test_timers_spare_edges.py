"""The cancelled one-shot timer an actor keeps to take up a later start (`Timers._spare`): taken
up only while it is its own, under the new key only, never by a stopped actor, never as a
reminder's guarded timer; its cancel counts its entry dead, compacts, and lets the actor go."""

from __future__ import annotations

import asyncio
import gc
import uuid
import weakref
from typing import Any
from unittest import mock

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, _timers
from actorkit._cell import Cell
from actorkit._guarded_timers import start_guarded
from actorkit.testing import ManualClock, instance, pending_timers

from .test_timers_started_again import Recorder


class Seen(list[Any]):
    """What an actor is spawned with, which its cell keeps for a restart."""


def queue_of(system: ActorSystem) -> _timers.TimerQueue:
    return system._runtime.timers  # noqa: SLF001


async def recorder(system: ActorSystem, clock: ManualClock, seen: list[Any]) -> Actor:
    actor = instance(await system.spawn(Recorder, clock, seen))
    assert actor is not None
    return actor


async def test_a_live_timer_taken_up_from_the_spare_is_not_taken_again(clock: ManualClock) -> None:
    seen: list[tuple[float, Any]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        timers = (await recorder(system, clock, seen)).timers
        timers.start_once("a", "cancelled", 1.0)
        timers.cancel("a")
        timers.start_once("b", "b", 1.0)  # takes up the spare
        timers.start_once("c", "c", 1.0)  # a timer of its own
        assert (timers.is_active("b"), timers.is_active("c"), len(timers)) == (True, True, 2)
        assert len(queue_of(system)) == pending_timers(system) == 2
        await clock.advance(1.0)
        assert seen == [(1.0, "b"), (1.0, "c")]
        assert (timers.is_active("b"), len(timers), len(queue_of(system))) == (False, 0, 0)


async def test_taken_up_under_another_key_it_ends_under_that_key(clock: ManualClock) -> None:
    seen: list[tuple[float, Any]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        timers = (await recorder(system, clock, seen)).timers
        timers.start_once("a", "cancelled", 1.0)
        timers.cancel("a")
        timers.start_once("b", "b", 1.0)
        await clock.advance(1.0)
        assert seen == [(1.0, "b")]
        assert (timers.is_active("b"), len(timers)) == (False, 0)


async def test_the_queue_counts_the_spare_dead_then_live_again(clock: ManualClock) -> None:
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        timers = (await recorder(system, clock, [])).timers
        queue = queue_of(system)
        timers.start_once("a", "a", 1.0)
        timers.cancel("a")
        assert len(queue) == queue.pending == 0
        timers.start_once("b", "b", 1.0)
        assert len(queue) == queue.pending == 1
        timers.start_once("c", "c", 1.0)  # the same due time, time standing still: one entry
        timers.cancel("c")
        timers.start_once("c", "c", 1.0)
        assert len(queue) == queue.pending == 2
        assert len(queue._run) + len(queue._heap) == 2  # noqa: SLF001


async def test_a_stopped_actor_takes_up_no_spare(clock: ManualClock) -> None:
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        timers = (await recorder(system, clock, [])).timers  # as a task it left running keeps
        timers.start_once("a", "a", 10.0)
        timers.cancel("a")
        await timers._cell.ref.stop()
        with pytest.raises(ActorStopped, match="was not started"):
            timers.start_once("b", "b", 10.0)
        assert pending_timers(system) == len(queue_of(system)) == 0


async def test_a_cancelled_guarded_timer_is_no_spare(clock: ManualClock) -> None:
    """A reminder's timer asks its guard before it ticks: a plain start must not take it up."""
    seen: list[tuple[float, Any]] = []
    asked: list[str] = []

    def guard() -> bool:
        asked.append("guard")
        return False

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        timers = (await recorder(system, clock, seen)).timers
        start_guarded(timers, "reminder", "reminded", 1.0, None, guard)
        timers.cancel("reminder")
        timers.start_once("b", "b", 1.0)
        await clock.advance(1.0)
        assert (seen, asked) == ([(1.0, "b")], [])
        assert len(queue_of(system)) == pending_timers(system) == 0


async def test_cancels_of_live_one_shot_timers_compact_the_queue(clock: ManualClock) -> None:
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        timers = (await recorder(system, clock, [])).timers
        queue = queue_of(system)
        with mock.patch.object(_timers, "COMPACT_AT", 4):
            for key in range(10):
                timers.start_once(key, key, 1.0)
            for key in range(10):
                timers.cancel(key)
        assert len(queue._run) + len(queue._heap) < 10  # noqa: SLF001
        assert len(queue) == queue.pending == 0


async def test_a_cancelled_timer_keeps_no_stopped_actor_alive(clock: ManualClock) -> None:
    """Its entry stays filed for an hour; it holds neither the actor's timers nor its ref (and
    so what the actor was spawned with)."""
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        seen = Seen()
        # A name no other test's actor has: a generated `/$1` may be another test's leftover.
        ref = await system.spawn(Recorder, clock, seen, name=f"spare-{uuid.uuid4().hex}")
        actor = instance(ref)
        assert actor is not None
        gone: list[weakref.ref[object]] = [weakref.ref(actor), weakref.ref(seen)]
        path = ref.path
        actor.timers.start_once("a", "a", 3600.0)
        actor.timers.start_once("b", "b", 3600.0)
        actor.timers.cancel("a")  # the spare
        actor.timers.cancel("b")  # not the spare any more
        del actor, seen
        await ref.stop()
        del ref
        gc.collect()
        assert [alive() for alive in gone] == [None, None]
        assert not [cell for cell in gc.get_objects() if type(cell) is Cell and cell.path == path]
        assert len(queue_of(system)._run) == 2  # noqa: SLF001


async def test_a_cancel_from_a_dead_letter_listener_while_its_timer_fires(
    clock: ManualClock,
) -> None:
    """Its tick refused by a full mailbox, the timer is firing while the dead letter is
    recorded: cancelled then, it has nothing left to end, and is counted ended once."""
    release = asyncio.Event()
    cancels: list[bool] = []

    class Holding(Actor):
        async def receive(self, message: Any) -> None:
            if message == "hold":
                await release.wait()

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Holding, mailbox_size=1)
        actor = instance(ref)
        assert actor is not None
        system.dead_letters.listen(lambda letter: cancels.append(actor.timers.cancel("t")))
        actor.timers.start_once("t", "tick", 1.0)
        ref.tell("hold")
        await clock.settle()
        ref.tell("filler")
        await clock.advance(1.0)
        release.set()
        await clock.settle()
        assert cancels == [False]
        assert len(queue_of(system)) == queue_of(system).pending == pending_timers(system) == 0


async def test_a_start_at_the_spare_s_due_time_is_a_new_timer(clock: ManualClock) -> None:
    """Its entry went at that instant, with time standing there since."""
    seen: list[tuple[float, Any]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        timers = (await recorder(system, clock, seen)).timers
        timers.start_once("a", "cancelled", 1.0)
        timers.cancel("a")
        await clock.advance(1.0)
        timers.start_once("b", "b", 0.5)
        await clock.advance(0.5)
        assert seen == [(1.5, "b")]
        assert len(queue_of(system)) == pending_timers(system) == 0
