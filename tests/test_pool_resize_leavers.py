"""Which members leave a shrink: the highest-numbered running ones, by number rather than by
name, and a member that is restarting stays, so that what it holds is handled after its
restart rather than dropped (docs/api.md, `PoolRef.resize`)."""

from __future__ import annotations

import asyncio

from actorkit import ActorSystem, Backoff, OneForOne
from actorkit.testing import ManualClock, snapshot

from .invariants import assert_settled
from .test_pools import Member, seen_by_member


async def test_the_highest_numbered_members_leave_by_number_not_by_name() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        pool = await system.spawn_pool(Member, size=11, name="pool")
        await pool.resize(10)  # "9" > "10" as strings: the member to leave is 10
        assert [m.name for m in pool.members] == [str(i) for i in range(10)]


async def test_a_restarting_member_stays_and_handles_what_it_held(clock: ManualClock) -> None:
    """Member 1 waits out its restart backoff with messages queued: it cannot drain them
    now, so the running member 0 leaves instead, though it has the lower number."""
    strategy = OneForOne(backoff=Backoff(min=1.0, max=1.0, jitter=0))
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Member, size=2, name="pool", supervisor=strategy)
        member = pool.members[1]
        member.tell("crash")
        await clock.settle()
        assert snapshot(member).state == "restarting"
        for i in range(3):
            member.tell(i)  # kept in its mailbox through the backoff
        await pool.resize(1)
        assert [m.name for m in pool.members] == ["1"]
        await clock.advance(1.0)
        assert await seen_by_member(pool) == {"1": [0, 1, 2]}
        assert system.dead_letters.count == 0
        await assert_settled(system)
