"""A pool supervises its members with its `supervisor=` strategy, backoff included: a member
that fails starts again once that backoff is over, and what is routed to it meanwhile waits in
its mailbox for the new instance (docs/api.md §9, Router)."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, Backoff, OneForOne
from actorkit.testing import ManualClock


class Member(Actor):
    """Notes its starts with the time; fails on "crash"; answers with its name."""

    def __init__(self, clock: ManualClock, starts: list[tuple[str, float]]) -> None:
        self.clock = clock
        self.starts = starts

    async def on_start(self) -> None:
        self.starts.append((self.name, self.clock.now()))

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash")
        return self.name


async def test_a_member_restarts_after_its_pool_s_backoff(clock: ManualClock) -> None:
    starts: list[tuple[str, float]] = []
    strategy = OneForOne(backoff=Backoff(min=1.0, max=1.0, jitter=0))
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Member, clock, starts, size=2, supervisor=strategy)
        pool.members[0].tell("crash")
        await clock.settle()
        to_0 = asyncio.ensure_future(pool.ask("which"))  # round robin: member 0's turn
        to_1 = asyncio.ensure_future(pool.ask("which"))
        await clock.advance(0.5)
        assert to_1.done() and not to_0.done()
        assert starts == [("0", 0.0), ("1", 0.0)]
        await clock.advance(0.5)
        assert await to_0 == "0" and await to_1 == "1"
        assert starts == [("0", 0.0), ("1", 0.0), ("0", 1.0)]
