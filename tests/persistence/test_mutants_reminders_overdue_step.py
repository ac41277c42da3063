"""Reminders where their tests did not look (found by a mutation review of `_reminders`)."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem
from actorkit.persistence import MemoryStore
from actorkit.persistence._wall import CHECK_PERIOD

from .test_reminders_wall_clock import Owner, SteppedClock

pytestmark = pytest.mark.timeout(30)


async def test_a_step_after_an_overdue_fire_at_a_start_does_not_fire_it_again() -> None:
    """A periodic reminder found overdue fires once at its owner's start, then keeps its
    grid: a step of the wall clock before the next point moves that point, and fires
    nothing for the points the start's fire stood for."""
    clock = SteppedClock()
    async with asyncio.timeout(10), ActorSystem("w", store=MemoryStore(), clock=clock) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("start", "tick", "tick", 10.0, 10.0))  # wall 10, 20, 30, ...
        await clock.advance(10.0)
        assert [at for _, at in await owner.ask("got")] == [10.0]
        await owner.stop()
        await clock.advance(15.0)  # wall 25: 20 passed while the owner was away
        owner = await system.spawn(Owner, name="owner")
        await clock.advance(0.0)
        assert [at for _, at in await owner.ask("got")] == [25.0]  # the overdue fire
        clock.step_wall(1.0)  # wall 26 at loop 25, before the next point, 30
        await clock.advance(CHECK_PERIOD)  # the check sees the step: loop 26, wall 27
        assert [at for _, at in await owner.ask("got")] == [25.0]
        await clock.advance(3.0)  # wall 30
        assert [at for _, at in await owner.ask("got")] == [25.0, 30.0]
