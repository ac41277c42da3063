"""A deadline too short to move the clock's float: the task still gets an instant to start
in, rather than being handed over at its deadline (API 6)."""

from __future__ import annotations

import asyncio
import math

from actorkit import ActorSystem, TaskStatus
from actorkit.testing import ManualClock

from .test_tasks_deadlines import TimeLeft

LATE = 1e6
"""A reading of the clock whose float step (about 1.2e-10 s) is wider than the deadline."""


async def test_a_deadline_under_one_float_step_lies_after_a_start_on_an_idle_agent(
    clock: ManualClock,
) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await clock.advance(LATE)
        await system.spawn(TimeLeft)
        handle = await system.submit("x", requires=["timed"], deadline=1e-12)
        assert handle.started_at == LATE
        assert await handle > 0  # a positive time left when it started, never none
        assert handle.status is TaskStatus.SUCCEEDED


async def test_a_deadline_under_one_float_step_expires_at_the_next_instant(
    clock: ManualClock,
) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await clock.advance(LATE)
        handle = await system.submit("x", requires=["timed"], deadline=1e-12)
        assert handle.status == "pending"
        assert clock.next_due() == math.nextafter(LATE, math.inf)
        await clock.advance(1e-9)
        assert handle.status is TaskStatus.EXPIRED
        assert handle.finished_at == math.nextafter(LATE, math.inf)
