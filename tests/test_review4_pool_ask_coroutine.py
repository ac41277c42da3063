"""docs/api.md §9 Router: `pool.ask(...)` returns a coroutine, as `ref.ask(...)` does
(`asyncio.create_task` takes it); a `consistent_hash` key function runs at the call, and an
error it raises is raised at the await. Whatever it raises, a `BaseException` that is no
`Exception` too, and so for a key whose `__hash__` raises: a plain `async def` would raise it
at the await, and a caller that makes its asks first (`gather`, `create_task`) relies on it."""

from __future__ import annotations

import asyncio
import gc
import warnings
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered

BOUND = 5.0
ROUTINGS = ["round_robin", "random", "least_loaded", "consistent_hash", "broadcast"]


class Abort(BaseException):
    """No `Exception`: what a framework's own unwinding raises (trio's, a test's abort)."""


class Named(Actor):
    async def receive(self, message: Any) -> Any:
        return self.name


class AbortsHashing:
    """A key whose hash raises `Abort`."""

    def __hash__(self) -> int:
        raise Abort("no hash")


def key(message: Any) -> Any:
    if message == "abort":
        raise Abort("no key")
    if message == "unhashed":
        return AbortsHashing()
    return message


@pytest.mark.parametrize("message", ["abort", "unhashed"])
async def test_a_key_raising_a_base_exception_is_raised_at_the_await(message: str) -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(Named, size=2, routing="consistent_hash", hash_key=key)
        asked = pool.ask(message, timeout=BOUND)
        assert asyncio.iscoroutine(asked)
        with pytest.raises(Abort):
            await asked
        task = asyncio.create_task(pool.ask(message, timeout=BOUND))
        await asyncio.wait([task])
        assert isinstance(task.exception(), Abort)
        assert await pool.ask("k", timeout=BOUND) in {"0", "1"}
        assert system.accounting().balanced


@pytest.mark.parametrize("routing", ROUTINGS)
async def test_every_routing_asks_through_a_coroutine_that_raises_at_its_await(
    routing: str,
) -> None:
    """A bad timeout, a pool whose members all stopped, a stopped pool: nothing raised at
    the call, each a task `create_task` runs to that error."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        keyed = key if routing == "consistent_hash" else None
        pool = await system.spawn_pool(
            Named, size=2, routing=routing, hash_key=keyed, restart="temporary"
        )
        bad = pool.ask("k", timeout=-1.0)
        assert asyncio.iscoroutine(bad)
        with pytest.raises(ValueError, match="timeout"):
            await bad
        for member in pool.members:
            await member.stop()
        empty = asyncio.create_task(pool.ask("k", timeout=BOUND))
        await asyncio.wait([empty])
        assert empty.exception() is not None
        await pool.stop()
        stopped = asyncio.create_task(pool.ask("k", timeout=BOUND))
        await asyncio.wait([stopped])
        assert isinstance(stopped.exception(), NotDelivered)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with asyncio.timeout(BOUND), ActorSystem() as system:
            pool = await system.spawn_pool(Named, size=2, routing=routing, hash_key=keyed)
            for message in ("k", "abort") if keyed else ("k",):
                cancelled = asyncio.create_task(pool.ask(message, timeout=BOUND))
                cancelled.cancel()  # before its first step: closed, as an `async def`'s is
                await asyncio.wait([cancelled])
                assert cancelled.cancelled()
        gc.collect()
    assert not [w for w in caught if "never awaited" in str(w.message)]
