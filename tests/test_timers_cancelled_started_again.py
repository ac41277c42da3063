"""A one-shot actor timer cancelled before it fired, then a start (a request's timeout,
cancelled by its reply and started again by the next request, API 5): the start takes up the
cancelled timer's queue entry where that entry is still filed and due no later, so the
pattern costs no entry per request; whatever the order of cancels, starts, compactions and
time, every timer fires as if each start made a new one."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

from actorkit import Actor, ActorSystem, _timers
from actorkit.testing import ManualClock, instance, pending_timers

from .invariants import assert_invariants
from .test_timers_started_again import Recorder, Step, once, steps
from .test_timers_started_again_model import (
    test_started_again_cancelled_or_periodic_timers_fire_as_the_model_says as model_test,
)


def cancel(key: str) -> Step:
    return lambda actor: actor.timers.cancel(key)


def filed(actor: Actor) -> int:
    queue = actor.system._runtime.timers  # noqa: SLF001
    return len(queue._run) + len(queue._heap)  # noqa: SLF001


async def test_a_timeout_per_request_keeps_one_queue_entry(clock: ManualClock) -> None:
    """White-box, as the docs' cost of a start again in place: the queue and its entries
    are the kernel's own. Each new timer filed an entry and left a dead one behind."""
    seen: list[tuple[float, Any]] = []

    def requests(actor: Actor) -> int:
        timers = actor.timers
        for i in range(2000):
            timers.start_once("reply", f"timeout {i}", 1.0 + i / 1000)
            timers.cancel("reply")
        timers.start_once(("reply", 7), "last", 3.0)
        return filed(actor)

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Recorder, clock, seen)
        assert await ref.ask(requests) == 1
        assert pending_timers(system) == 1
        await clock.advance(2.999)
        assert seen == []
        await clock.advance(0.001)
        assert seen == [(3.0, "last")]
        assert pending_timers(system) == 0
        assert_invariants(system)


async def test_started_for_an_earlier_time_it_is_a_new_timer(clock: ManualClock) -> None:
    seen: list[tuple[float, Any]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Recorder, clock, seen)
        await ref.ask(steps(once("a", "cancelled", 2.0), cancel("a"), once("b", "early", 1.0)))
        await clock.advance(5.0)
        assert seen == [(1.0, "early")]
        assert pending_timers(system) == 0


async def test_started_once_its_entry_is_gone_it_is_a_new_timer(clock: ManualClock) -> None:
    """Its entry left the queue when due (or at a compaction): the start files a new one."""
    seen: list[tuple[float, Any]] = []

    def crowd(actor: Actor) -> None:
        for i in range(_timers.COMPACT_AT + 2):
            actor.system.schedule_once(0.25, actor.ref, i).cancel()

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Recorder, clock, seen)
        await ref.ask(steps(once("a", "cancelled", 1.0), cancel("a")))
        await clock.advance(1.5)  # its entry popped, dropped: dead
        await ref.ask(once("a", "after due", 1.0))
        await ref.ask(steps(once("b", "cancelled", 1.0), cancel("b"), crowd))  # compacted
        await ref.ask(once("b", "after compaction", 1.0))
        await clock.advance(0.5)
        assert seen == []
        await clock.advance(0.5)
        assert seen == [(2.5, "after due"), (2.5, "after compaction")]
        assert pending_timers(system) == 0
        await clock.advance(10.0)  # past the asks' deadlines
        assert clock.pending == 0


async def test_taken_up_then_cancelled_again_and_again_it_fires_once_at_the_last_time(
    clock: ManualClock,
) -> None:
    """Across its old entry's due time: the entry files it again for its new time."""
    seen: list[tuple[float, Any]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Recorder, clock, seen)
        for i in range(12):
            await ref.ask(steps(once("reply", f"timeout {i}", 1.0), cancel("reply")))
            await ref.ask(once("reply", f"timeout {i}", 1.0))
            await clock.advance(0.5)
            await ref.ask(cancel("reply"))
        await ref.ask(once("reply", "last", 1.0))
        await clock.advance(0.999)
        assert seen == []
        await clock.advance(0.001)
        assert seen == [(7.0, "last")]
        assert pending_timers(system) == 0
        assert_invariants(system)


async def test_taken_up_for_a_later_time_its_entry_still_goes_at_the_first_time(
    clock: ManualClock,
) -> None:
    """Taken up for 1.5, its entry stays filed for 1.0: cancelled again, it is dropped at 1.0,
    and a start after that files a new entry, though the spare was last due at 1.5."""
    seen: list[tuple[float, Any]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Recorder, clock, seen)
        await ref.ask(steps(once("reply", "first", 1.0), cancel("reply")))
        await clock.advance(0.5)
        await ref.ask(steps(once("reply", "second", 1.0), cancel("reply")))
        await clock.advance(0.75)
        await ref.ask(once("reply", "third", 1.0))
        await clock.advance(5.0)
        assert seen == [(2.25, "third")]
        assert pending_timers(system) == 0


class Held(Recorder):
    """Holds in its handler of "hold" until `release` is set: its ticks stay queued."""

    release: asyncio.Event

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            await self.release.wait()
            return None
        return await super().receive(message)


async def test_a_start_over_a_queued_tick_of_its_key_withdraws_that_tick(
    clock: ManualClock,
) -> None:
    """A start under a key whose timer fired, its tick still queued, ends that timer as any
    start does (its tick is withdrawn), also where a spare could take the start up."""
    seen: list[tuple[float, Any]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Held, clock, seen)
        actor = instance(ref)
        assert isinstance(actor, Held)
        actor.release = asyncio.Event()
        await ref.ask(steps(once("a", "fired", 1.0), once("b", "spare", 2.0), cancel("b")))
        ref.tell("hold")
        await clock.advance(1.0)  # "fired" is queued behind "hold"
        actor.timers.start_once("a", "again", 1.5)  # due after the spare: it may take it up
        actor.release.set()
        await clock.advance(5.0)
        assert seen == [(2.5, "again")]
        assert pending_timers(system) == 0


def test_the_model_holds_with_a_compaction_at_every_cancel() -> None:
    """The reference model of started-again timers, its cancels each compacting the queue:
    no start takes up an entry a compaction dropped."""
    with mock.patch.object(_timers, "COMPACT_AT", 0):
        model_test()
