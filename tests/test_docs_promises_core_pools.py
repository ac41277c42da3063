"""Promises of docs/api.md §2 about pools that no other test pinned: a member asking its own pool
is answered by another member under every routing that can pick another (or waits out its
timeout when none can), splitting its work in tasks of its own included; and an ask to a pool
whose members all stopped is `NotDelivered`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, AskTimeout, NotDelivered

from .docs_promises_support import BOUND, Echo


class Splits(Actor):
    """Asked `(pool, timeout)`, asks its own pool for a part of the work; asked `gate`, an
    `asyncio.Event`, waits on it; asked anything else, answers with its name."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple):
            pool, timeout = message
            return await pool.ask("part", timeout=timeout)
        if isinstance(message, asyncio.Event):
            await message.wait()
            return None
        return self.name


async def test_a_member_asking_its_random_pool_is_answered_by_another_every_time() -> None:
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(Splits, size=2, routing="random")
        asker = pool.members[0]
        answers = {await asker.ask((pool, BOUND)) for _ in range(32)}
        assert answers == {"1"}


class Blocks(Actor):
    """Asked `(started, gate)`, says it started and waits on the gate; asked `(pool, gate)`,
    asks its pool and then opens the gate (`gather` runs the ask's routing first); asked
    anything else, answers with its name."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple) and isinstance(message[0], asyncio.Event):
            started, gate = message
            started.set()
            await gate.wait()
            return None
        if isinstance(message, tuple):
            pool, gate = message
            answer, _ = await asyncio.gather(pool.ask("part", timeout=BOUND), opens(gate))
            return answer
        return self.name


async def opens(gate: asyncio.Event) -> None:
    gate.set()


async def test_a_member_asking_its_least_loaded_pool_is_answered_by_another() -> None:
    """The asker's mailbox is the emptiest (the other member has a message queued behind a
    handler that waits): least_loaded picks the asker, which cannot answer, so the ask goes
    past it."""
    started, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(Blocks, size=2, routing="least_loaded")
        asker, other = pool.members
        blocked = asyncio.ensure_future(other.ask((started, gate)))
        queued = asyncio.ensure_future(other.ask("queued"))
        await started.wait()
        assert await asker.ask((pool, gate)) == "1"
        assert await queued == "1"
        assert await blocked is None


@pytest.mark.parametrize("routing", ["round_robin", "random", "least_loaded"])
async def test_the_only_member_asking_its_pool_waits_out_its_timeout(routing: str) -> None:
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(Splits, size=1, routing=routing)
        only = pool.members[0]
        with pytest.raises(AskTimeout):
            await only.ask((pool, 0.05))
        assert await only.ask("name") == "0"  # the ask it made was answered late, dropped


async def test_a_key_owner_asking_its_consistent_hash_pool_for_its_key_waits_it_out() -> None:
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(
            Splits, size=3, routing="consistent_hash", hash_key=lambda message: "same"
        )
        owner_name = await pool.ask("name")
        owner = next(member for member in pool.members if member.name == owner_name)
        with pytest.raises(AskTimeout):
            await owner.ask((pool, 0.05))


class SplitsInParts(Actor):
    """Asked `(pool, parts)`, asks its pool for each part at once (`asyncio.gather`, a task
    per ask): splitting its work through its pool, as docs/api.md §2 names it."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple):
            pool, parts = message
            return await asyncio.gather(*(pool.ask(part, timeout=BOUND) for part in parts))
        return self.name


@pytest.mark.parametrize("routing", ["round_robin", "random", "least_loaded"])
async def test_a_member_splitting_its_work_in_tasks_of_its_own_is_answered_by_others(
    routing: str,
) -> None:
    """Each ask runs in a task `gather` made, not in the member's own: the routing handed
    one part back to the asker, whose handler was awaiting it, and it timed out."""
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(SplitsInParts, size=3, routing=routing)
        asker = pool.members[0]
        answers = await asker.ask((pool, ["a", "b", "c", "d"]), timeout=BOUND)
        assert len(answers) == 4 and set(answers) <= {"1", "2"}


async def test_an_ask_to_a_pool_whose_members_all_stopped_is_not_delivered() -> None:
    """No member handled it, so a retry cannot run it twice: docs/api.md §2's
    `NotDelivered`, as for an ask to a stopped actor (it was a plain `ActorStopped`)."""
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(Echo, size=2, name="pool")
        for member in pool.members:
            await member.stop()
        with pytest.raises(NotDelivered, match="every member of pool /pool has stopped"):
            await pool.ask("job")
        pool.tell("job")
        with pytest.raises(NotDelivered):
            await pool.ask("job")  # after the tell: it reached the pool's mailbox first
        assert system.dead_letters.by_reason == {"stopped": 1}
