"""The loop checks of a ref's `stop`, a pool's `resize` and `submit` at their edges,
each failing on a one-token change to `_ref` or `_system_checks`: a call that touches nothing
on its own loop (a stopped actor's stop, a call on a system that accepts nothing) does the
same on another."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem

from .test_embedding_wrong_thread import on_another_loop

pytestmark = pytest.mark.timeout(10)


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_a_stop_of_a_stopped_actor_on_another_event_loop_does_nothing_as_on_its_own() -> None:
    async with asyncio.timeout(10), ActorSystem("app") as system:
        ref = await system.spawn(Echo)
        await ref.stop()
        assert await on_another_loop(lambda: ref.stop()) is None
        assert await on_another_loop(lambda: ref.stop(timeout=1.0)) is None


async def test_calls_on_a_system_that_accepts_nothing_say_so_on_another_event_loop_too() -> None:
    """A shut-down system refuses them by itself, touching nothing: on any loop, in the
    same words."""
    async with asyncio.timeout(10):
        async with ActorSystem("app") as system:
            pool = await system.spawn_pool(Echo, size=1)
        for call in (lambda: system.submit("job"), lambda: pool.resize(2, timeout=1.0)):
            with pytest.raises(ActorStopped) as here:
                await call()
            there = await on_another_loop(call)
            assert type(there) is type(here.value) and str(there) == str(here.value)
