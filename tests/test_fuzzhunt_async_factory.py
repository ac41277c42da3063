"""A factory that is an async function: calling it makes a coroutine, not an actor. Refused
as any other factory that returns no actor, but saying that it is async, and with the
coroutine closed, so that Python does not warn later of a coroutine "never awaited" (a
warning filter set to "error" turns that into an exception at some unrelated later line).
A `ChildSpec` refuses an `async def` (a partial of one, an object whose `__call__` is one)
where it is written, in spawn's words, not when its supervisor starts."""

from __future__ import annotations

import functools
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


class AsyncCall:
    async def __call__(self) -> Worker:
        return Worker()


@pytest.mark.parametrize(
    ("factory", "named"),
    [
        (async_factory, "make_worker"),
        (functools.partial(async_factory), "make_worker"),
        (AsyncCall(), r"AsyncCall\.__call__"),
    ],
    ids=["async def", "partial", "async __call__"],
)
def test_a_child_spec_refuses_an_async_factory_where_it_is_written(
    factory: Any, named: str
) -> None:
    with pytest.raises(TypeError, match=rf"{named} is an async function, and the runtime calls"):
        ChildSpec(factory, name="w")


async def test_a_child_spec_says_what_spawn_says() -> None:
    with pytest.raises(TypeError) as written:
        ChildSpec(async_factory)
    async with ActorSystem("factories") as system:
        with pytest.raises(TypeError) as spawned:
            await system.spawn(async_factory)
    assert str(written.value) == str(spawned.value)


def builds_later() -> Any:
    """A plain function that hands back an async function's coroutine: not async itself."""
    return make_worker()


async def test_a_plain_factory_that_returns_a_coroutine_is_not_called_async() -> None:
    async with ActorSystem("factories") as system:
        with pytest.raises(TypeError) as error:
            await system.spawn(builds_later)
        said = str(error.value)
        assert "builds_later returned a coroutine" in said
        assert "is an async function" not in said
        assert "make it return an Actor instance" in said
