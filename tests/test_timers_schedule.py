"""schedule_once and schedule_every: when ticks fire, without drift, and bad arguments (API 5)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, TimerHandle
from actorkit.testing import ManualClock, Probe, pending_timers, snapshot

from .timers_support import Stepper


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


@pytest.mark.parametrize("timer", ["schedule_every", "timers.start_every"])
async def test_ticks_queue_behind_a_slow_handler_none_dropped_or_coalesced(
    clock: ManualClock, timer: str
) -> None:
    """Fixed rate: a handler that awaits leaves the loop running, so each tick is sent on
    its time and waits in the mailbox; only a loop that falls behind coalesces them."""
    seen: list[Any] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Stepper, seen)
        if timer == "schedule_every":
            system.schedule_every(1.0, ref, "tick")
        else:
            await ref.ask(lambda actor: actor.timers.start_every("k", "tick", 1.0))
        gate = asyncio.Event()
        ref.tell(("hold", gate, lambda actor: None))
        await clock.advance(3.0)
        assert snapshot(ref).accounting.queued == 3
        gate.set()
        await clock.settle()
        assert seen == ["tick"] * 3


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
