"""A publish to a subscribed `consistent_hash` pool whose `hash_key` stops every member on
its way (each stop run to its end in the key's turn, as `asyncio.create_task(ref.stop())`
does under an eager task factory): the message is a dead letter `stopped`, nobody being left
to handle it, and so no delivery (api.md §9 Router, "A publish to a subscribed pool"):
`publish` returns 0 and `actorkit_publish_deliveries_total` does not move."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import (
    DEAD_LETTER_TOPIC,
    Actor,
    ActorRef,
    ActorSystem,
    Backoff,
    OneForOne,
    PoolRef,
)
from actorkit.testing import ManualClock

from .metrics_truth_support import sample, scraped
from .test_eager_tasks import EAGER_FACTORY
from .test_router_publish_edges import stop_now


class Idle(Actor):
    """No hooks: spawned, it is dormant until its first message."""

    async def receive(self, message: Any) -> Any:
        return message


def deliveries(system: ActorSystem) -> tuple[float, float]:
    samples = scraped(system)
    published = sample(samples, "actorkit_published_messages_total")
    return published, sample(samples, "actorkit_publish_deliveries_total")


async def stopping_pool(system: ActorSystem, stop: Any) -> tuple[PoolRef, list[ActorRef]]:
    """A pool subscribed to "t" whose `hash_key` runs `stop` on each member, once."""
    members: list[ActorRef] = []

    def key(message: Any) -> object:
        if members:
            for member in members:
                stop(member)
            members.clear()
        return message

    pool = await system.spawn_pool(Idle, size=2, routing="consistent_hash", hash_key=key)
    assert isinstance(pool, PoolRef)
    system.subscribe(pool, "t")
    members.extend(pool.members)
    return pool, members


async def test_a_publish_whose_hash_key_stops_every_member_is_no_delivery() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        pool, members = await stopping_pool(system, stop_now)
        assert system.publish("t", "news") == 0
        assert members == [] and pool.members == []
        assert deliveries(system) == (1.0, 0.0)
        assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
            ("news", pool.path, "stopped")
        ]
        assert system.accounting().balanced


@pytest.mark.skipif(
    not hasattr(asyncio, "eager_task_factory"), reason="eager tasks: Python 3.12 and later"
)
@pytest.mark.asyncio(loop_factories=["asyncio"])
async def test_the_same_with_stops_a_hash_key_starts_under_an_eager_task_factory() -> None:
    loop = asyncio.get_running_loop()
    loop.set_task_factory(EAGER_FACTORY)
    stops: list[asyncio.Task[None]] = []
    try:
        async with asyncio.timeout(5), ActorSystem() as system:
            pool, _ = await stopping_pool(
                system, lambda member: stops.append(asyncio.create_task(member.stop()))
            )
            assert system.publish("t", "news") == 0
            assert all(stop.done() for stop in stops) and len(stops) == 2
            assert deliveries(system) == (1.0, 0.0)
            assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
                ("news", pool.path, "stopped")
            ]
    finally:
        loop.set_task_factory(None)


async def test_a_publish_whose_hash_key_stops_no_member_is_still_delivered() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        await stopping_pool(system, lambda member: None)
        assert system.publish("t", "news") == 1
        assert deliveries(system) == (1.0, 1.0)
        assert system.dead_letters.count == 0


class Flaky(Idle):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crashed")
        return message


async def test_a_publish_routed_to_a_member_in_its_unrestarted_close_is_no_delivery(
    clock: ManualClock,
) -> None:
    """A member a shutdown found waiting out its restart's backoff closes its mailbox as its
    queue becomes dead letters: a publish a dead-letter watcher's `hash_key` makes then, which
    the pool routes to that member, is its dead letter `stopped`, as a tell to it is, and no
    delivery."""
    published: list[int] = []

    def key(message: Any) -> object:
        if not published:
            published.append(-1)
            published[0] = system.publish("t", "late")
        return 0

    async with asyncio.timeout(5):
        system = ActorSystem(clock=clock)
        await system.start()
        watchers = await system.spawn_pool(Idle, size=1, routing="consistent_hash", hash_key=key)
        system.subscribe(watchers, DEAD_LETTER_TOPIC)
        strategy = OneForOne(backoff=Backoff(min=30.0, max=60.0, jitter=0))
        pool = await system.spawn_pool(
            Flaky, size=1, routing="consistent_hash", hash_key=len, supervisor=strategy, name="pool"
        )
        system.subscribe(pool, "t")
        pool.tell("crash")
        await clock.settle()  # waiting out its backoff, its mailbox kept
        pool.tell("queued")
        await system.shutdown()
        assert published == [0]
        assert deliveries(system) == (1.0, 0.0)
        assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
            ("queued", "/pool/0", "not_restarted"),
            ("late", "/pool/0", "stopped"),
        ]
