"""README, `ManualClock`: the timer queue's one clock entry stays armed for its earliest timer
until that time even once that timer was cancelled, and `clock.pending` counts it; once the
time comes, nothing fires and the entry goes."""

from __future__ import annotations

import asyncio

from actorkit import ActorSystem
from actorkit.testing import ManualClock, Probe

BOUND = 5.0


async def test_cancelling_the_only_timer_leaves_its_entry_until_its_time() -> None:
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        await clock.settle()
        assert clock.pending == 0
        handle = system.schedule_once(10.0, probe.ref, "tick")
        handle.cancel()
        await clock.settle()
        assert (clock.pending, clock.next_due()) == (1, 10.0)
        await clock.advance(10.0)
        assert (clock.pending, clock.next_due()) == (0, None)
        assert probe.pending == 0  # the cancelled timer sent nothing
