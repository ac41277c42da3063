"""A `schedule_every` made to a pool member leaving a shrink, while its drain runs, is not
armed: its handle is returned inactive (docs/api.md, draining), as one made to an actor a
shutdown drains is, and what it would have sent is one dead letter `stopping`. Its ticks,
faster than it handles them, would keep its queue from emptying. Kills the mutant of
`_timers._lost` that asks only whether the stop sealed it."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, pending_timers

from .pool_support import a_member_draining

BOUND = 5.0


class Holds(Actor):
    """Holds its "hold" until `release`; notes anything else."""

    def __init__(self, held: asyncio.Event, release: asyncio.Event, seen: list[Any]) -> None:
        self.held, self.release, self.seen = held, release, seen

    async def receive(self, message: Any) -> None:
        if message == "hold":
            self.held.set()
            await self.release.wait()
        else:
            self.seen.append((self.name, message))


async def test_a_schedule_every_to_a_member_leaving_a_shrink_is_not_armed(
    clock: ManualClock,
) -> None:
    held, release, seen = asyncio.Event(), asyncio.Event(), list[Any]()
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        async with a_member_draining(system, clock, Holds, held, release, seen) as drained:
            pool, leaving = drained
            assert pool.members == [pool.members[0]] and pool.members[0].name == "0"
            handle = system.schedule_every(1.0, leaving, "tick")
            assert not handle.active
            assert pending_timers(system) == 0
            await clock.advance(1.0)  # no tick comes to hold its drain
        assert seen == [] and not leaving.is_alive
        assert system.dead_letters.by_reason == {"stopping": 1}  # the timer not armed, once
