"""Pool routing where a mutation review of the pool's ref found no test (API 4)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

from .pool_support import first_of, key_owned_by


class Lingers(Actor):
    """A member whose `on_stop` waits for `leave`: it stays stopping until then."""

    def __init__(self, stopping: asyncio.Event, leave: asyncio.Event, seen: list[Any]) -> None:
        self.stopping, self.leave, self.seen = stopping, leave, seen

    async def receive(self, message: tuple[int, str]) -> Any:
        if message[1] == "owner?":
            return self.name
        self.seen.append((self.name, message))
        return message

    async def on_stop(self) -> None:
        self.stopping.set()
        await self.leave.wait()


@pytest.mark.parametrize("first", ["tell", "ask"])
async def test_consistent_hash_skips_an_owner_that_is_stopping(first: str) -> None:
    """A member in its `on_stop` handles nothing more: what it owns goes to the member that
    owns the key without it, not to its dead letters, nor held (an ask) until it closes."""
    stopping, leave, seen = asyncio.Event(), asyncio.Event(), list[Any]()
    async with asyncio.timeout(10), ActorSystem() as system:
        pool = await system.spawn_pool(
            Lingers, stopping, leave, seen, size=2, routing="consistent_hash", hash_key=first_of
        )
        owner, other = pool.members
        key = await key_owned_by(pool, owner.name)  # routed by the members then
        stop = asyncio.ensure_future(owner.stop())
        await stopping.wait()
        try:
            if first == "tell":
                pool.tell((key, "told"))
                assert await pool.ask((key, "asked")) == (key, "asked")
            else:  # held by the stopping owner, the ask would wait for `leave`
                assert await pool.ask((key, "asked")) == (key, "asked")
                pool.tell((key, "told"))
                assert await other.ask((key, "owner?")) == other.name  # after the tell
        finally:
            leave.set()
            await stop
        assert sorted(seen) == [(other.name, (key, "asked")), (other.name, (key, "told"))]
        assert system.dead_letters.count == 0


@pytest.mark.parametrize("routing", ["round_robin", "random"])
async def test_an_ask_skips_a_member_that_began_stopping_since_the_last_one(routing: str) -> None:
    """Answered at once by a member that still handles messages, not held until the stopping
    one's `on_stop` ends and its heir hands the ask on."""
    stopping, leave, seen = asyncio.Event(), asyncio.Event(), list[Any]()
    async with asyncio.timeout(10), ActorSystem() as system:
        pool = await system.spawn_pool(Lingers, stopping, leave, seen, size=2, routing=routing)
        leaving, staying = pool.members
        assert await pool.ask((0, "before")) == (0, "before")  # routed by the members then
        stop = asyncio.ensure_future(leaving.stop())
        await stopping.wait()
        seen.clear()
        try:
            for n in range(8):  # held by the stopping member, they would wait for `leave`
                assert await pool.ask((n, "asked")) == (n, "asked")
        finally:
            leave.set()
            await stop
        assert {name for name, _ in seen} == {staying.name}
