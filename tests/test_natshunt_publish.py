"""`system.publish` across three systems: each matching actor gets each publish once, however
many of its patterns match and wherever it lives, and the count returned is of this system's
own actors (API.md §4, §9, §10; docs/distributed.md "Pub-sub")."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from actorkit import Actor, ActorSystem

from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport

pytestmark = requires_nats


class Collector(Actor):
    """Records `(label, message)`; `done` is set once `ends` "end" markers were recorded in
    all, by every collector sharing `got`."""

    def __init__(self, label: str, got: list[tuple[str, Any]], done: asyncio.Event, ends: int):
        self.label = label
        self.got = got
        self.done = done
        self.ends = ends

    async def receive(self, message: Any) -> None:
        self.got.append((self.label, message))
        if sum(1 for _, seen in self.got if seen == "end") == self.ends:
            self.done.set()


PATTERNS = ("orders.*", "orders.>", "orders.eu", "*.eu")
"""Four patterns, each matching `orders.eu`: the actor still gets each publish once."""


async def test_a_publish_reaches_each_matching_actor_of_three_systems_exactly_once(
    server: NatsServer,
) -> None:
    got: list[tuple[str, Any]] = []
    done = asyncio.Event()
    receivers = 6  # one per system, a pool in "a", a second actor in "b", a late one in "c"
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("a", transport=transport(server)) as a,
        ActorSystem("b", transport=transport(server)) as b,
        ActorSystem("c", transport=transport(server)) as c,
    ):
        for system in (a, b, c):
            ref = await system.spawn(Collector, system.name, got, done, receivers)
            for pattern in PATTERNS:
                system.subscribe(ref, pattern)
        pool = await a.spawn_pool(Collector, "pool@a", got, done, receivers, size=3)
        a.subscribe(pool, "orders.>")  # a pool is one subscriber: one member gets it
        a.subscribe(pool, "*.eu")
        second = await b.spawn(Collector, "second@b", got, done, receivers)
        b.subscribe(second, "orders.eu")
        b.subscribe(second, ">")
        b.unsubscribe(second, "orders.eu")  # one pattern left that matches
        late = await c.spawn(Collector, "late@c", got, done, receivers)
        c.subscribe(late, "orders.eu")
        not_matching = await c.spawn(Collector, "us@c", got, done, receivers)
        c.subscribe(not_matching, "orders.us")
        for system in (a, b, c):
            await link_of(system).flush()
        assert a.publish("orders.eu", "m1") == 2  # "a" and its pool: local deliveries only
        # One publisher's publishes to one topic keep their order at every subscriber, so a
        # second copy of "m1" would come before "end".
        assert a.publish("orders.eu", "end") == 2
        await done.wait()
        await asyncio.gather(*(link_of(system).flush() for system in (a, b, c)))
        assert Counter(got) == Counter(
            (label, message)
            for label in ("a", "pool@a", "b", "second@b", "c", "late@c")
            for message in ("m1", "end")
        )
        for system in (a, b, c):
            assert system.dead_letters.count == 0, system.dead_letters.by_reason
