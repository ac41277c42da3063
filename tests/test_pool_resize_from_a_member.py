"""A member that shrinks its own pool, and is among those that leave: `resize` returns once
the others have left, without waiting for the caller's own drain, which could end only
after the handler awaiting `resize` returned (as a stop asked from inside an actor is
queued rather than awaited)."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, Terminated

from .watch_support import Watcher

BOUND = 5.0
LONG = 60.0  # the resize's timeout: a test that waited it out would hit BOUND first


class Shrinker(Actor):
    """Told a pool and a size, it resizes that pool; told anything else, it echoes it."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple):
            pool, size = message
            await pool.resize(size, timeout=LONG)
            return "resized"
        return message


async def test_a_leaving_member_that_shrinks_its_pool_is_not_kept_waiting() -> None:
    ended: asyncio.Queue[Terminated] = asyncio.Queue()
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(Shrinker, size=3, name="pool")
        watcher = await system.spawn(Watcher, ended)
        members = pool.members
        for member in members:
            await watcher.ask(member)
        assert await members[2].ask((pool, 1), timeout=LONG) == "resized"
        left = {(await ended.get()).ref for _ in range(2)}
        assert left == {members[1], members[2]}
        assert [m.name for m in pool.members] == ["0"]
        assert system.dead_letters.count == 0
