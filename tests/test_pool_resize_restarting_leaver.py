"""A shrink that must take a member waiting out its restart backoff (every member is
restarting): it cannot drain what it holds, so, as any member that stops while its pool
runs on (`_pool_handover`), it hands its unbegun asks back to the pool, which routes them
to the member that stays; only its tells are dead letters (`not_restarted`)."""

from __future__ import annotations

import asyncio

from actorkit import ActorSystem, Backoff, OneForOne
from actorkit.testing import ManualClock, snapshot

from .invariants import assert_settled
from .test_pools import Member


async def test_a_restarting_leaver_hands_its_asks_to_the_member_that_stays(
    clock: ManualClock,
) -> None:
    strategy = OneForOne(backoff=Backoff(min=1.0, max=1.0, jitter=0))
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Member, size=2, name="pool", supervisor=strategy)
        first, leaver = pool.members
        for member in (first, leaver):
            member.tell("crash")
        await clock.settle()
        assert [snapshot(m).state for m in (first, leaver)] == ["restarting"] * 2
        asked = asyncio.ensure_future(leaver.ask("asked", timeout=5.0))
        leaver.tell("told")
        await clock.settle()
        await pool.resize(1)
        assert [m.name for m in pool.members] == ["0"]
        await clock.advance(1.0)
        assert await asked == "0"  # answered by member 0 (its name), once restarted
        assert await first.ask("seen") == ["asked"]
        assert system.dead_letters.by_reason == {"not_restarted": 1}
        await assert_settled(system)
