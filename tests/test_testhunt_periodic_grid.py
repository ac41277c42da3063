"""Periodic timers on a clock far from zero: the n-th tick is due at its start plus n
intervals (docs/api.md §5, "without drift"), so `advance` gives every tick it passes,
however many intervals were summed to reach it."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem
from actorkit.testing import ManualClock, Probe

START = 1e8
"""A clock started here steps 1.5e-8 s: adding 1 ms rounds by 2e-9 s, always the same way,
so a sum of a thousand 1 ms intervals misses the grid by 2 µs, past `advance`'s 1 µs slack."""


class Ticker(Actor):
    def __init__(self, out: ActorRef, interval: float) -> None:
        self.out = out
        self.interval = interval

    async def on_start(self) -> None:
        self.timers.start_every("tick", "tick", self.interval)

    async def receive(self, message: Any) -> None:
        self.out.tell(message)


async def test_a_system_timer_far_from_zero_ticks_once_per_interval_passed() -> None:
    clock = ManualClock(start=START)
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        system.schedule_every(0.001, probe.ref, "tick")
        await clock.advance(1.0)
        assert probe.pending == 1000
        await clock.advance(9.0)
        assert probe.pending == 10_000


async def test_an_actor_s_own_timer_far_from_zero_ticks_once_per_interval_passed() -> None:
    clock = ManualClock(start=START)
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        await system.spawn(Ticker, probe.ref, 0.01)
        await clock.advance(10.0)
        assert probe.pending == 1000


@pytest.mark.parametrize("step", [0.001, 0.0005])
async def test_ticks_stay_on_the_grid_when_advanced_step_by_step(step: float) -> None:
    """Each advance ends on a grid point or between two: no tick is late into the next."""
    clock = ManualClock(start=START)
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        system.schedule_every(0.001, probe.ref, "tick")
        for _ in range(round(1.0 / step)):
            await clock.advance(step)
        assert probe.pending == 1000


async def test_an_initial_delay_puts_the_grid_at_the_first_tick() -> None:
    clock = ManualClock(start=START)
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        system.schedule_every(0.001, probe.ref, "tick", initial_delay=0.5)
        await clock.advance(0.5)
        assert probe.pending == 1
        await clock.advance(1.0)
        assert probe.pending == 1001


async def test_near_zero_the_grid_still_gives_the_documented_counts() -> None:
    clock = ManualClock()
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        system.schedule_every(0.1, probe.ref, "tick")
        await clock.advance(0.3)
        assert probe.pending == 3
        for _ in range(97):
            await clock.advance(0.1)
        assert probe.pending == 100
        system.schedule_every(1.0, probe.ref, "second")
        await clock.advance(3.5)
        assert probe.pending == 100 + 35 + 3
