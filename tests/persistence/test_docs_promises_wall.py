"""Promises of docs/persistence.md's "Wall-clock steps and suspends" that no other test
pinned: the clocks are compared by one loop timer a system, not one a reminder."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem
from actorkit.persistence import MemoryStore
from actorkit.persistence._wall import CHECK_PERIOD

from .test_reminders_wall_clock import Owner, SteppedClock

pytestmark = pytest.mark.timeout(30)


async def _entries_with(reminders: int) -> tuple[int, float | None]:
    """The clock's entries once `reminders` reminders (of three owners) are armed, far off,
    and the asks' deadlines have passed; and the next of them due."""
    clock = SteppedClock()
    async with asyncio.timeout(10), ActorSystem("w", store=MemoryStore(), clock=clock) as system:
        owners = [await system.spawn(Owner, name=f"owner{n}") for n in range(3)]
        for n in range(reminders):
            await owners[n % 3].ask(("start", f"r{n}", "tick", 1000.0, 1000.0))
        await clock.advance(10.0)  # past the asks' own deadlines, through ten checks
        return clock.pending, clock.next_due()


async def test_the_clocks_are_compared_by_one_timer_a_system_however_many_reminders() -> None:
    one = await _entries_with(1)
    assert one[1] == 10.0 + CHECK_PERIOD  # the check, armed
    assert await _entries_with(9) == one
