"""Per (sender, receiver) order on the local paths, one deterministic case per fault the
seeded driver (ordering_support) found: a sender's messages to one actor are handled in the
order sent, whatever mix of tell, send, ask and publish carries them."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem
from actorkit.testing import ManualClock

from .test_pools import Member, seen_by_member

pytestmark = pytest.mark.timeout(10)


@pytest.mark.parametrize("routing", ["consistent_hash", "round_robin"])
async def test_a_publish_to_a_pool_keeps_its_place_before_a_later_tell(
    clock: ManualClock, routing: str
) -> None:
    """A publish to a subscribed pool is routed at once, as a tell is: parked in the pool's
    own mailbox, it reached the member after the tell sent next."""
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        key = {"hash_key": lambda m: "k"} if routing == "consistent_hash" else {}
        pool = await system.spawn_pool(Member, size=1, routing=routing, name="pool", **key)
        system.subscribe(pool, "news")
        assert system.publish("news", 1) == 1
        pool.tell(2)
        await pool.send(3)
        assert system.publish("news", 4) == 1
        await pool.ask(5)
        await clock.settle()
        assert await seen_by_member(pool) == {"0": [1, 2, 3, 4, 5]}
