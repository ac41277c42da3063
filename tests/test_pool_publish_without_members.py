"""A publish to a subscribed pool whose members were all stopped from outside (each by its
own `await member.stop()`, never followed by a restart): nobody will ever handle it, so it is
a dead letter `stopped` (observability.md: "sent to ... a pool whose members were all
stopped"), counted once: not among the actors `publish` delivered to (it returns 0, and
`actorkit_publish_deliveries_total` does not move), nor as a message the pool processed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, snapshot

from .metrics_truth_support import sample, scraped

ROUTINGS = ("round_robin", "random", "least_loaded", "consistent_hash", "broadcast")


class Member(Actor):
    async def receive(self, message: Any) -> Any:
        return message


def counts(system: ActorSystem) -> tuple[float, float]:
    samples = scraped(system)
    published = sample(samples, "actorkit_published_messages_total")
    return published, sample(samples, "actorkit_publish_deliveries_total")


@pytest.mark.parametrize("routing", ROUTINGS)
async def test_a_publish_to_a_pool_without_members_is_one_dead_letter(
    routing: str, clock: ManualClock
) -> None:
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        hash_key = (lambda message: message) if routing == "consistent_hash" else None
        pool = await system.spawn_pool(
            Member, size=2, routing=routing, hash_key=hash_key, name="pool"
        )
        system.subscribe(pool, "jobs.*")
        for member in pool.members:
            await member.stop()
        await clock.settle()
        assert pool.members == [] and pool.is_alive
        assert system.publish("jobs.a", "job") == 0
        await clock.settle()
        assert counts(system) == (1.0, 0.0)
        assert system.dead_letters.by_reason == {"stopped": 1}
        (letter,) = system.dead_letters.recent
        assert (letter.message, letter.recipient, letter.reason) == ("job", "/pool", "stopped")
        accounting = snapshot(pool).accounting
        assert (accounting.accepted, accounting.processed) == (0, 0)
        assert system.accounting().balanced


async def test_a_publish_while_a_resize_adds_a_member_still_reaches_it(clock: ManualClock) -> None:
    """What the pool will hand to a member a `resize` is starting waits for it, and is a
    delivery (api.md §9 Router), as before."""

    class Slow(Member):
        async def on_start(self) -> None:
            started.set()
            await release.wait()

    started, release = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        release.set()
        pool = await system.spawn_pool(Slow, size=1, name="pool")
        system.subscribe(pool, "jobs.*")
        await pool.members[0].stop()
        started.clear()
        release.clear()
        resize = asyncio.ensure_future(pool.resize(1))
        await started.wait()
        assert system.publish("jobs.a", "job") == 1
        release.set()
        await resize
        assert await pool.ask("after") == "after"
        await clock.settle()
        assert counts(system) == (1.0, 1.0)
        assert system.dead_letters.count == 0
        assert snapshot(pool.members[0]).accounting.processed == 2


class Lingering(Member):
    """Its `on_stop` waits for the test, so its stop from outside is under way meanwhile."""

    stopping: asyncio.Event
    release: asyncio.Event

    async def on_stop(self) -> None:
        self.stopping.set()
        await self.release.wait()


@pytest.mark.parametrize("routing", ["round_robin", "broadcast"])
async def test_a_publish_while_every_member_is_stopping_for_good_is_one_dead_letter(
    routing: str, clock: ManualClock
) -> None:
    """Members stopped from outside, still in their `on_stop`: none of them comes back, so
    what the pool would hold for them is a dead letter all the same, and no delivery."""
    Lingering.stopping, Lingering.release = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Lingering, size=1, routing=routing, name="pool")
        system.subscribe(pool, "jobs.*")
        stop = asyncio.ensure_future(pool.members[0].stop())
        try:
            await Lingering.stopping.wait()
            await clock.settle()
            assert pool.members == [] and snapshot(pool).parked
            assert system.publish("jobs.a", "job") == 0
        finally:
            Lingering.release.set()
        await stop
        await clock.settle()
        assert counts(system) == (1.0, 0.0)
        assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
            ("job", "/pool", "stopped")
        ]
        assert system.accounting().balanced


async def test_a_publish_behind_a_resize_the_pool_has_not_begun_reaches_its_member(
    clock: ManualClock,
) -> None:
    """Queued behind a `resize` that will start a member: held for it, and a delivery."""
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Member, size=1, name="pool")
        system.subscribe(pool, "jobs.*")
        await pool.members[0].stop()
        await clock.settle()
        resize = asyncio.ensure_future(pool.resize(1))
        while snapshot(pool).parked:  # the resize is queued, the pool not yet at it
            await asyncio.sleep(0)
        assert pool.members == []
        assert system.publish("jobs.a", "job") == 1
        await resize
        await clock.settle()
        assert counts(system) == (1.0, 1.0)
        assert system.dead_letters.count == 0
        assert snapshot(pool.members[0]).accounting.processed == 1
