"""Per-sender order through a pool's start: what a sender tells while the pool starts its
members waits in the pool's own mailbox, and is handed to them before anything it tells
once the pool runs (API 9)."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem, PoolRef

from .invariants import assert_settled
from .test_pool_faults_restart import HeldStart, same_key
from .test_pools import seen_by_member

# More than the receive loop handles before it yields (`_mailbox.BATCH`): a pool that routed
# what it held from its own mailbox, as messages, would still hold some of them when the
# sender's next tells went straight to the members.
DURING = 300
TOTAL = 400


@pytest.mark.parametrize("routing", ["round_robin", "consistent_hash", "broadcast"])
async def test_tells_during_and_after_a_pool_start_reach_each_member_in_order(
    routing: str,
) -> None:
    hold = HeldStart()
    hold.holding = True
    async with asyncio.timeout(5.0), ActorSystem() as system:
        starting = asyncio.ensure_future(
            system.spawn_pool(
                hold.member(),
                size=3,
                routing=routing,
                hash_key=same_key if routing == "consistent_hash" else None,
                name="pool",
            )
        )
        await hold.entered.wait()  # member 0 is starting: the pool holds what it is sent
        pool = system.lookup("/pool")
        assert isinstance(pool, PoolRef)
        for i in range(DURING):
            pool.tell(i)
        hold.holding = False
        hold.gate.set()
        assert await starting == pool
        for i in range(DURING, TOTAL):
            pool.tell(i)

        seen = await seen_by_member(pool)
        assert sorted(seen) == ["0", "1", "2"]
        for got in seen.values():
            assert got == sorted(got)  # each member saw the sender's order
        everything = sorted(x for got in seen.values() for x in got)
        copies = 3 if routing == "broadcast" else 1
        assert everything == sorted(list(range(TOTAL)) * copies)
        if routing == "consistent_hash":  # one key: one member saw every message
            assert sorted(len(got) for got in seen.values()) == [0, 0, TOTAL]
        assert system.dead_letters.count == 0
        await assert_settled(system)
