"""Timers and stopped targets: refused, dead-lettered, or ended with the target (API 5)."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorStopped, ActorSystem
from actorkit.testing import ManualClock, Probe, instance, pending_timers

from .timers_support import Ticker


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


async def test_a_shut_down_system_keeps_no_timer_and_schedules_none(clock: ManualClock) -> None:
    """As `spawn` and `submit` are refused after shutdown, so is a timer: it would arm the
    clock of a system that is gone and keep it in memory until due, to end as a dead letter.
    A timer pending at the shutdown ended with it: its handle says so."""
    system = ActorSystem(clock=clock)
    async with system:
        probe = await Probe.spawn(system)
        pending = system.schedule_once(3600.0, probe.ref, "late")
        periodic = system.schedule_every(3600.0, probe.ref, "tick")
    assert not pending.active and not periodic.active and pending.cancel() is False
    with pytest.raises(
        ActorStopped,
        match=r"'actorkit' is shut down \(or shutting down, or failed: `system.failure` "
        r"holds why\), so schedule_once cannot run",
    ):
        system.schedule_once(1.0, probe.ref, "after")
    with pytest.raises(ActorStopped, match="shut down"):
        system.schedule_every(1.0, probe.ref, "after")
    assert pending_timers(system) == 0 and clock.pending == 0
    await clock.advance(3600.0)
    assert system.dead_letters.count == 0


async def test_a_periodic_timer_to_an_actor_already_stopped_is_never_armed(
    clock: ManualClock,
) -> None:
    """Nothing can follow a stopped actor's stop: the timer is not armed, its handle inactive
    at once, and what it would have sent is one dead letter, not one per interval."""
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        await probe.ref.stop()
        handle = system.schedule_every(1.0, probe.ref, "tick")
        assert not handle.active and pending_timers(system) == 0
        assert system.dead_letters.by_reason == {"stopped": 1}
        await clock.advance(3.5)
        assert system.dead_letters.by_reason == {"stopped": 1}
