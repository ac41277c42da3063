"""`schedule_once` / `schedule_every` aimed at a local actor that can no longer take its
ticks (API 5, docs/api.md §5): stopped, its stop begun, or (for a periodic timer) draining.
As with Erlang's `send_after` to a dead pid, the timer is not armed, so its handle is
inactive from the call on; as with Akka's scheduler to a dead ref, what it would have sent is
a dead letter, recorded once at the call, not lost silently nor ticked into dead letters
for ever."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, TimerHandle
from actorkit.testing import ManualClock, Probe, pending_timers

from .pool_support import a_member_draining
from .test_mutants_timers import Holds

BOUND = 10.0


class Sink(Actor):
    async def receive(self, message: Any) -> None:
        return None


def schedule(system: ActorSystem, kind: str, target: Any) -> TimerHandle:
    if kind == "once":
        return system.schedule_once(3.0, target, "tick")
    return system.schedule_every(1.0, target, "tick")


def lost_at_once(system: ActorSystem, handle: TimerHandle, path: str, reason: str) -> None:
    assert not handle.active and handle.cancel() is False
    assert pending_timers(system) == 0
    assert system.dead_letters.by_reason == {reason: 1}
    (letter,) = system.dead_letters.recent
    assert (letter.message, letter.recipient, letter.reason) == ("tick", path, reason)


@pytest.mark.parametrize("kind", ["once", "every"])
@pytest.mark.parametrize("target", ["actor", "pool"])
async def test_a_timer_to_a_stopped_target_is_inactive_and_a_dead_letter_at_once(
    clock: ManualClock, kind: str, target: str
) -> None:
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        ref = probe.ref if target == "actor" else await system.spawn_pool(Sink, size=2)
        await ref.stop()
        handle = schedule(system, kind, ref)
        lost_at_once(system, handle, ref.path, "stopped")
        await clock.advance(5.5)  # nothing more: not a tick's dead letter per interval
        assert system.dead_letters.count == 1


@pytest.mark.parametrize("kind", ["once", "every"])
async def test_a_timer_to_a_target_whose_stop_began_is_inactive_and_a_dead_letter(
    clock: ManualClock, kind: str
) -> None:
    """Its `on_stop` runs: it handles nothing more, and a tell now would be a dead letter
    `stopping` at its close; so is the timer's message, at the call."""
    entered, gate = asyncio.Event(), asyncio.Event()

    class SlowStop(Actor):
        async def receive(self, message: object) -> None:
            return None

        async def on_stop(self) -> None:
            entered.set()
            await gate.wait()

    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        ref = await system.spawn(SlowStop)
        stopping = asyncio.ensure_future(ref.stop())
        try:
            await entered.wait()
            handle = schedule(system, kind, ref)
            lost_at_once(system, handle, ref.path, "stopping")
            await clock.advance(5.5)
        finally:
            gate.set()
            await stopping
        assert system.dead_letters.by_reason == {"stopping": 1}


async def test_a_periodic_timer_to_a_draining_member_is_inactive_and_a_dead_letter(
    clock: ManualClock,
) -> None:
    """A member leaving a shrink drains: a periodic timer to it would keep its queue from
    emptying, so it is not armed, and its first tick is counted rather than dropped."""
    held, release, seen = asyncio.Event(), asyncio.Event(), list[Any]()
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        async with a_member_draining(system, clock, Holds, held, release, seen) as (_, leaving):
            handle = system.schedule_every(1.0, leaving, "tick")
            lost_at_once(system, handle, leaving.path, "stopping")
            await clock.advance(3.0)
        assert seen == [] and system.dead_letters.count == 1


async def test_a_one_off_timer_to_a_draining_member_is_armed_and_handled(
    clock: ManualClock,
) -> None:
    """A single tick cannot keep a drain from ending: it is taken as any tell is while the
    member drains, and handled."""
    held, release, seen = asyncio.Event(), asyncio.Event(), list[Any]()
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        async with a_member_draining(system, clock, Holds, held, release, seen) as (_, leaving):
            handle = system.schedule_once(1.0, leaving, "tick")
            assert (handle.active, pending_timers(system)) == (True, 1)
            await clock.advance(1.0)
            assert (handle.active, pending_timers(system)) == (False, 0)
        assert [message for _, message in seen] == ["tick"] and system.dead_letters.count == 0
