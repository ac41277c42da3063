"""Per (sender, receiver) order on the local paths, one deterministic case per fault the
seeded driver (ordering_support) found: a sender's messages to one actor are handled in the
order sent, whatever mix of tell, send, ask and publish carries them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, snapshot

from .test_pools import Member, seen_by_member

pytestmark = pytest.mark.timeout(10)


@pytest.mark.parametrize("routing", ["consistent_hash", "round_robin"])
async def test_a_publish_to_a_pool_keeps_its_place_before_a_later_tell(
    clock: ManualClock, routing: str
) -> None:
    """A publish to a subscribed pool is routed at once, as a tell is: parked in the pool's
    own mailbox, it reached the member after the tell sent next."""
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        consistent = routing == "consistent_hash"
        hash_key: Callable[[Any], object] | None = (lambda m: "k") if consistent else None
        pool = await system.spawn_pool(
            Member, size=1, routing=routing, name="pool", hash_key=hash_key
        )
        system.subscribe(pool, "news")
        assert system.publish("news", 1) == 1
        pool.tell(2)
        await pool.send(3)
        assert system.publish("news", 4) == 1
        await pool.ask(5)
        await clock.settle()
        assert await seen_by_member(pool) == {"0": [1, 2, 3, 4, 5]}


class Leaving(Actor):
    """A `temporary` member that stops itself after a held message, with a slow `on_stop`."""

    def __init__(self, events: dict[str, asyncio.Event], seen: list[tuple[str, Any]]) -> None:
        self.events = events
        self.seen = seen

    async def receive(self, message: tuple[str, int, int]) -> Any:
        if message[0] == "who":
            return self.name
        if message[0] == "fill":
            return None
        if message[0] == "stop":
            self.events["held"].set()
            await self.events["hold"].wait()
            self.stop()
            return None
        self.seen.append((self.name, message))
        return message

    async def on_stop(self) -> None:
        self.events["stopping"].set()
        await self.events["release"].wait()


async def test_a_stopping_members_asks_go_back_to_the_pool_before_what_is_sent_next(
    clock: ManualClock,
) -> None:
    """Handed back only once its slow `on_stop` had ended, a member's unbegun ask reached
    the key's next owner after the tell its asker sent next, routed there meanwhile."""
    events = {name: asyncio.Event() for name in ("held", "hold", "stopping", "release")}
    seen: list[tuple[str, Any]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Leaving,
            events,
            seen,
            size=2,
            routing="consistent_hash",
            hash_key=lambda m: m[1],
            name="pool",
            restart="temporary",
        )
        key = next(iter([k for k in range(50) if await pool.ask(("who", k, 0)) == "0"]))
        pool.tell(("stop", key, 0))
        await events["held"].wait()
        asked = asyncio.create_task(pool.ask(("ask", key, 1)))
        await clock.settle()
        assert snapshot(pool.members[0]).accounting.queued == 1  # the ask, at member 0
        events["hold"].set()
        await events["stopping"].wait()
        pool.tell(("tell", key, 2))
        events["release"].set()
        assert await asked == ("ask", key, 1)
        await clock.settle()
        assert seen == [("1", ("ask", key, 1)), ("1", ("tell", key, 2))]


async def test_an_ask_waiting_for_room_at_a_stopping_member_goes_back_before_what_is_sent_next(
    clock: ManualClock,
) -> None:
    """An ask waiting for room at the member's full mailbox when its stop began waited on to
    the end of its `on_stop`, and then reached the key's next owner behind a later tell."""
    events = {name: asyncio.Event() for name in ("held", "hold", "stopping", "release")}
    seen: list[tuple[str, Any]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Leaving,
            events,
            seen,
            size=2,
            routing="consistent_hash",
            hash_key=lambda m: m[1],
            name="pool",
            restart="temporary",
            mailbox_size=1,
        )
        key = next(iter([k for k in range(50) if await pool.ask(("who", k, 0)) == "0"]))
        pool.tell(("stop", key, 0))
        await events["held"].wait()
        pool.tell(("fill", key, 1))  # member 0's mailbox is full: a tell, dead-lettered
        asked = asyncio.create_task(pool.ask(("ask", key, 2)))
        await clock.settle()
        assert snapshot(pool.members[0]).reserved == 0  # the ask waits for room
        events["hold"].set()
        await events["stopping"].wait()
        await clock.settle()
        pool.tell(("tell", key, 3))
        events["release"].set()
        assert await asked == ("ask", key, 2)
        await clock.settle()
        assert seen == [("1", ("ask", key, 2)), ("1", ("tell", key, 3))]
        assert [(d.message, d.reason) for d in system.dead_letters.recent] == [
            (("fill", key, 1), "stopping")
        ]
