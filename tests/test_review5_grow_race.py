"""docs/api.md §9 Router: what is sent to a pool with no member routed while a `resize`
starts one waits in the pool's own mailbox until that member has started, and is then
routed to it, ahead of what is sent after; and one sender's messages reach a member in the
order sent. So when the last member routed stops while the resize's new member starts:
what a sender sent meanwhile must not be overtaken by what it sends once that member
runs."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, PoolRef

BOUND = 5.0


class Shared:
    def __init__(self) -> None:
        self.starting = asyncio.Event()  # member "1" is in its `on_start`
        self.gate = asyncio.Event()  # it may finish it
        self.both = asyncio.Event()  # "a" and "b" were handled
        self.pools: list[PoolRef] = []
        self.seen: list[Any] = []


class Member(Actor):
    """Member "1" (the resize's) starts only once `gate` opens: then it tells the pool "a"
    from its `on_start`, and "b" from its first handler, which runs once it has started."""

    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    async def on_start(self) -> None:
        shared = self.shared
        if self.name == "1":
            shared.starting.set()
            await shared.gate.wait()
            shared.pools[0].tell("a")
            self.ref.tell("go")

    async def receive(self, message: Any) -> None:
        shared = self.shared
        if message == "go":
            shared.pools[0].tell("b")
            return
        shared.seen.append(message)
        if len(shared.seen) == 2:
            shared.both.set()


async def test_the_last_member_stopping_while_a_resize_starts_one_keeps_a_senders_order() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        shared = Shared()
        pool = await system.spawn_pool(Member, shared, size=1, restart="temporary")
        shared.pools.append(pool)
        resizing = asyncio.create_task(pool.resize(2))
        await shared.starting.wait()
        first = next(member for member in pool.members if member.name == "0")
        await first.stop()  # no member routed now: "1" is still starting
        shared.gate.set()
        await resizing
        await shared.both.wait()
        assert shared.seen == ["a", "b"]
        assert system.accounting().balanced
