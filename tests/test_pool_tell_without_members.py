"""A tell, a `send` or an ask to a pool whose members were all stopped for good (each by its
own `await member.stop()`, never followed by a restart or a `resize`): nobody will ever handle
it, so, as a publish there is (test_pool_publish_without_members), a tell or a send is one
dead letter `stopped` and an ask fails with `NotDelivered`, and none is a message the pool
accepted or processed (`actorkit_messages_processed_total` does not move)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered, PoolRef
from actorkit.testing import ManualClock, snapshot

from .metrics_truth_support import sample, scraped

ROUTINGS = ("round_robin", "random", "least_loaded", "consistent_hash", "broadcast")


class Member(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def memberless(system: ActorSystem, routing: str, clock: ManualClock) -> PoolRef:
    hash_key = (lambda message: message) if routing == "consistent_hash" else None
    pool = await system.spawn_pool(Member, size=2, routing=routing, hash_key=hash_key, name="pool")
    for member in pool.members:
        await member.stop()
    await clock.settle()
    assert pool.members == [] and pool.is_alive
    return pool


def processed_by_the_pool(system: ActorSystem) -> float:
    return sample(scraped(system), "actorkit_messages_processed_total", actor_type="Pool")


@pytest.mark.parametrize("routing", ROUTINGS)
async def test_a_tell_and_a_send_to_a_pool_without_members_are_one_dead_letter_each(
    routing: str, clock: ManualClock
) -> None:
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await memberless(system, routing, clock)
        pool.tell("told")
        await pool.send("sent")
        await clock.settle()
        assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
            ("told", "/pool", "stopped"),
            ("sent", "/pool", "stopped"),
        ]
        assert system.dead_letters.by_reason == {"stopped": 2}
        assert sample(scraped(system), "actorkit_dead_letters_total", reason="stopped") == 2.0
        assert processed_by_the_pool(system) == 0.0
        accounting = snapshot(pool).accounting
        assert (accounting.accepted, accounting.processed) == (0, 0)
        assert system.accounting().balanced


@pytest.mark.parametrize("routing", ROUTINGS)
async def test_an_ask_of_a_pool_without_members_is_not_delivered_nor_processed(
    routing: str, clock: ManualClock
) -> None:
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await memberless(system, routing, clock)
        with pytest.raises(NotDelivered, match="every member of pool /pool has stopped"):
            await pool.ask("asked")
        await clock.settle()
        assert system.dead_letters.count == 0
        assert processed_by_the_pool(system) == 0.0
        accounting = snapshot(pool).accounting
        assert (accounting.accepted, accounting.processed) == (0, 0)
        assert system.accounting().balanced


async def test_a_tell_behind_a_resize_the_pool_has_not_begun_reaches_its_member(
    clock: ManualClock,
) -> None:
    """Queued behind a `resize` that will start a member: held for it, as a publish is."""
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await memberless(system, "round_robin", clock)
        resize = asyncio.ensure_future(pool.resize(1))
        while snapshot(pool).parked:  # the resize is queued, the pool not yet at it
            await asyncio.sleep(0)
        pool.tell("told")
        await resize
        await clock.settle()
        assert system.dead_letters.count == 0
        assert snapshot(pool.members[0]).accounting.processed == 1


async def test_a_send_to_a_pool_without_members_yields_first(clock: ManualClock) -> None:
    """As a send to a stopped actor: a producer loop aimed at the pool must not spin."""
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await memberless(system, "round_robin", clock)
        ran: list[bool] = []
        asyncio.get_running_loop().call_soon(ran.append, True)
        await pool.send("sent")
        assert ran == [True]
        assert system.dead_letters.by_reason == {"stopped": 1}


async def test_an_ask_of_a_pool_without_members_counts_as_one_failed_at_once(
    clock: ManualClock,
) -> None:
    """Counted in the pool's asks, as an ask the pool was given and failed would be."""
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await memberless(system, "round_robin", clock)
        with pytest.raises(NotDelivered):
            await pool.ask("asked")
        samples = scraped(system)
        assert sample(samples, "actorkit_asks_total", actor_type="Pool", outcome="stopped") == 1
        assert sample(samples, "actorkit_ask_seconds_count", actor_type="Pool") == 1
        assert sample(samples, "actorkit_ask_seconds_sum", actor_type="Pool") < 0.5  # at once


@pytest.mark.parametrize("timeout", [-1.0, float("nan"), "5"])
async def test_a_wrong_timeout_of_an_ask_of_a_pool_without_members_is_said_first(
    timeout: Any, clock: ManualClock
) -> None:
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await memberless(system, "round_robin", clock)
        with pytest.raises((ValueError, TypeError), match="ask timeout"):
            await pool.ask("asked", timeout=timeout)
