"""`subscribe` to an actor on its way out says which way out: a pool member that drained and
then stopped is stopped, not still draining (its cell keeps the draining mark after its
close); and a malformed pattern is refused as malformed, whether or not the actor runs, so a
caller's bad pattern is never hidden behind a stop that may not happen next time."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem
from actorkit.testing import subscription_count

BOUND = 5.0


class Sink(Actor):
    async def receive(self, message: Any) -> None:
        return None


async def test_a_member_that_left_a_shrink_is_stopped_not_draining() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(Sink, size=2)
        leaving = pool.members[1]
        await pool.resize(1)
        with pytest.raises(ActorStopped, match=r"/1 is stopped and cannot subscribe to 't'"):
            system.subscribe(leaving, "t")
        assert subscription_count(system) == 0


async def test_a_bad_pattern_to_a_stopped_actor_is_refused_as_a_bad_pattern() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        ref = await system.spawn(Sink)
        await ref.stop()
        with pytest.raises(ValueError, match="pattern"):
            system.subscribe(ref, "a..b")
        with pytest.raises(ActorStopped):
            system.subscribe(ref, "a.b")
