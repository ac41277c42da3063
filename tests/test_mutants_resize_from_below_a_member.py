"""A pool shrunk by an actor below one of its leaving members (the member's child) is one
shrunk from inside that member (`holds_current_task` walks the member's subtree): `resize`
returns without waiting for that member's end, which waits for the child's handler, which
awaits `resize`. Fails if only the member's own task is counted as inside it."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem, Terminated

from .test_pool_resize_from_a_member import BOUND, LONG, Shrinker
from .watch_support import Watcher


class Parent(Actor):
    """A pool member with a `Shrinker` child, whose ref it answers."""

    async def on_start(self) -> None:
        await self.spawn(Shrinker, name="child")

    async def receive(self, message: Any) -> Any:
        return self.children[0]


async def test_a_leaving_members_child_that_shrinks_the_pool_is_not_kept_waiting() -> None:
    ended: asyncio.Queue[Terminated] = asyncio.Queue()
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(Parent, size=2, name="pool")
        watcher = await system.spawn(Watcher, ended)
        members = pool.members
        await watcher.ask(members[1])
        child: ActorRef = await members[1].ask("your child")
        assert await child.ask((pool, 1), timeout=LONG) == "resized"
        assert (await ended.get()).ref == members[1]
        assert not child.is_alive
        assert [m.name for m in pool.members] == ["0"]
        assert system.dead_letters.count == 0
