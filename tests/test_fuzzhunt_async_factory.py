"""A factory that is an async function: calling it makes a coroutine, not an actor. Refused
as any other factory that returns no actor, but saying that it is async, and with the
coroutine closed, so that Python does not warn later of a coroutine "never awaited" (a
warning filter set to "error" turns that into an exception at some unrelated later line)."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, ChildSpec, Supervisor


class Worker(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def make_worker() -> Worker:
    return Worker()


async_factory: Any = make_worker  # the mistake, which a type checker would flag


async def by_spawn(system: ActorSystem) -> Any:
    return await system.spawn(async_factory, name="w")


async def by_pool(system: ActorSystem) -> Any:
    return await system.spawn_pool(async_factory, size=1, name="w")


async def by_supervisor(system: ActorSystem) -> Any:
    return await system.spawn(Supervisor, children=[ChildSpec(async_factory, name="w")])


@pytest.mark.parametrize("spawn", [by_spawn, by_pool, by_supervisor])
async def test_an_async_factory_is_refused_and_its_coroutine_closed(
    spawn: Callable[[ActorSystem], Any],
) -> None:
    async with ActorSystem("factories") as system:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(TypeError, match="make_worker is an async function") as error:
                await spawn(system)
            error.value.__traceback__ = None  # frames that hold the coroutine, were it open
            del error
            gc.collect()
        assert [str(w.message) for w in caught] == []
        assert await (await system.spawn(Worker)).ask("still spawns") == "still spawns"
