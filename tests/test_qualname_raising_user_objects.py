"""User objects whose `__qualname__` raises (a proxy's, a callable object's property, a
metaclass's), where the runtime only reads it to name them in a refusal: the refusal still
says what to change, naming the object as `_shown.named` does, instead of raising the
property's error. The other readers of `__qualname__` named in the last review (`_meant_ref`,
`returned_by_hook`, `unawaited_reply`) read a native coroutine's, which is always a text."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

from .hardening_support import BOUND


class Worker(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class Unnamed(type):
    """A metaclass whose classes cannot say their `__qualname__` (a lazy proxy's; a class
    body cannot define the name, which is the class's own)."""

    def __getattribute__(cls, name: str) -> Any:
        if name == "__qualname__":
            raise RuntimeError("no __qualname__ here")
        return super().__getattribute__(name)


class Sizeless(Worker, metaclass=Unnamed):
    """Takes no argument: `spawn_pool(Sizeless, 4)` meant `size=4`."""

    def __init__(self) -> None:
        super().__init__()


class AsyncMaker:
    """A callable object whose call makes a coroutine, and whose `__qualname__` raises."""

    def __getattribute__(self, name: str) -> Any:
        if name == "__qualname__":
            raise RuntimeError("no __qualname__ here")
        return super().__getattribute__(name)

    async def __call__(self) -> Worker:
        return Worker()


async def test_spawn_pool_s_size_refusal_names_a_class_whose_qualname_raises() -> None:
    async with ActorSystem(metrics=False) as system:
        async with asyncio.timeout(BOUND):
            with pytest.raises(TypeError, match=r"pass size=4"):
                await system.spawn_pool(Sizeless, 4)


async def test_an_async_factory_refusal_names_an_object_whose_qualname_raises() -> None:
    async with ActorSystem(metrics=False) as system:
        async with asyncio.timeout(BOUND):
            with pytest.raises(TypeError, match=r"AsyncMaker\.__call__ is an async function"):
                await system.spawn(AsyncMaker())  # type: ignore[arg-type]
            assert await (await system.spawn(Worker)).ask("after") == "after"
