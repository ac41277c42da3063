"""What a pool routes while it adds members (API 4, 9): tells wait at the pool until the
members it starts can take them, so they reach them as the full routing would have placed
them, and nothing sent later overtakes them. Each test kills a mutant of `_pool_routing`
that the pool tests let live."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, PoolRef

BOUND = 5.0
HELD = 30


class Gated(Actor):
    """Member `held`'s `on_start` says it began and waits for the gate; then it tells its
    pool `after_start`, if any, at the first turn after its start ends."""

    def __init__(
        self,
        held: str,
        began: asyncio.Event,
        gate: asyncio.Event,
        after_start: list[Any],
    ) -> None:
        self.held, self.began, self.gate, self.after_start = held, began, gate, after_start
        self.seen: list[Any] = []

    async def on_start(self) -> None:
        if self.name != self.held:
            return
        self.began.set()
        await self.gate.wait()
        pool = self.parent
        assert pool is not None
        for message in self.after_start:
            asyncio.get_running_loop().call_soon(pool.tell, message)

    async def receive(self, message: Any) -> Any:
        if message == "seen":
            return list(self.seen)
        if isinstance(message, tuple) and message[1] == "owner?":
            return self.name
        self.seen.append(message)
        return None


def first(message: Any) -> object:
    return message[0] if isinstance(message, tuple) else message


async def seen_by_member(pool: PoolRef) -> dict[str, list[Any]]:
    return {member.name: await member.ask("seen") for member in pool.members}


@pytest.mark.parametrize("routing", ["round_robin", "consistent_hash"])
async def test_tells_while_a_later_member_starts_wait_for_every_member(routing: str) -> None:
    """Member 0 runs while member 1 starts: what the pool is told then is still held for
    the hand-over, not routed to member 0 alone (nor by a hash ring of member 0 alone)."""
    began, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        starting = asyncio.ensure_future(
            system.spawn_pool(
                Gated,
                "1",
                began,
                gate,
                [],
                size=3,
                routing=routing,
                hash_key=first if routing == "consistent_hash" else None,
                name="pool",
            )
        )
        await began.wait()
        pool = system.lookup("/pool")
        assert isinstance(pool, PoolRef)
        for i in range(HELD):
            pool.tell((i, "held"))
        gate.set()
        assert await starting == pool

        seen = await seen_by_member(pool)
        everything = sorted(message for got in seen.values() for message in got)
        assert everything == [(i, "held") for i in range(HELD)]
        if routing == "round_robin":  # handed over with all three members routed
            assert [len(got) for got in seen.values()] == [HELD // 3] * 3
        else:
            for i in range(HELD):
                owner = await pool.ask((i, "owner?"))
                assert (i, "held") in seen[owner]
        assert system.dead_letters.count == 0


async def test_what_a_grow_held_is_handed_over_before_what_comes_as_its_member_starts() -> None:
    """Member 0 stops while the grow starts member 1: a tell then waits at the pool. One
    that comes once member 1 runs, before the pool saw its start end, waits behind it: the
    member added is routed nothing until then, so it cannot get the later one first."""
    began, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(Gated, "1", began, gate, ["after"], size=1, name="pool")
        assert isinstance(pool, PoolRef)
        resizing = asyncio.ensure_future(pool.resize(2))
        await began.wait()
        await pool.members[0].stop()
        pool.tell("before")  # no member routed: the pool keeps it for member 1
        gate.set()
        await resizing

        assert [member.name for member in pool.members] == ["1"]
        assert await pool.members[0].ask("seen") == ["before", "after"]
        assert system.dead_letters.count == 0
