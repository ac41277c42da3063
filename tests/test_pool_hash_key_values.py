"""A `consistent_hash` pool's `hash_key` that returns a key the pool cannot place (an
unhashable value, a list or a dict): the caller hears which function returned what, not a
bare `unhashable type`, whatever path the message takes (API 8)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


UNHASHABLE = r"hash_key of pool /keys returned an unhashable list .*: return a hashable key"


async def test_an_unhashable_key_says_it_came_from_hash_key() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        pool = await system.spawn_pool(
            Echo, size=2, routing="consistent_hash", hash_key=lambda m: m, name="keys"
        )
        assert await pool.ask("warm") == "warm"  # the ring is built: `tell`'s fast path
        with pytest.raises(TypeError, match=UNHASHABLE):
            pool.tell(["a"])
        with pytest.raises(TypeError, match=UNHASHABLE):
            await pool.send(["a"])
        with pytest.raises(TypeError, match=UNHASHABLE):
            await pool.ask(["a"])
        assert await pool.ask(("a",)) == ("a",)  # the pool runs on


async def test_an_unhashable_key_published_to_the_pool_is_logged_as_hash_keys(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        pool = await system.spawn_pool(
            Echo, size=2, routing="consistent_hash", hash_key=lambda m: m, name="keys"
        )
        system.subscribe(pool, "t")
        assert system.publish("t", ["x"]) == 0  # routed at once: nobody could take it
        assert await pool.ask("after") == "after"
        assert system.dead_letters.by_reason == {"undeliverable": 1}
        assert "returned an unhashable list" in caplog.text
