"""A `consistent_hash` pool given an `async def` as its `hash_key`: the pool never awaits a
key (routing happens in the sender's call, which `tell` cannot suspend), so each message's
key would be a fresh coroutine, hashed by identity, and the same key would reach any member,
with a "never awaited" warning per message. `spawn_pool` refuses it, saying what to pass."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest

from actorkit import Actor, ActorSystem


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def user_of(message: Any) -> object:
    return message


class AsyncKey:
    async def __call__(self, message: Any) -> object:
        return message


ASYNC = r"hash_key must be a plain function.*async def.*never awaits"


@pytest.mark.parametrize(
    "hash_key",
    [user_of, functools.partial(user_of), AsyncKey()],
    ids=["async-def", "partial", "async-call"],
)
async def test_an_async_hash_key_is_refused_at_spawn(hash_key: Any) -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        with pytest.raises(TypeError, match=ASYNC):
            await system.spawn_pool(
                Echo, size=2, routing="consistent_hash", hash_key=hash_key, name="keys"
            )
        assert system.lookup("/keys") is None  # nothing was started
        pool = await system.spawn_pool(  # the name is free, and a plain key is taken
            Echo, size=2, routing="consistent_hash", hash_key=lambda m: m, name="keys"
        )
        assert await pool.ask("k") == "k"
