"""`spawn_pool(make_worker, 4)` with a factory that is a function (or a lambda, a partial, a
callable object) rather than an Actor class: the 4 goes to each member's factory, as for a
class, so where the factory cannot take it the refusal says to pass `size=4`, at the call,
before any member starts, instead of Python's bare arity error about a call the user never
wrote (API 8)."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest

from actorkit import Actor, ActorSystem


class Worker(Actor):
    def __init__(self, limit: int = 0) -> None:
        self.limit = limit

    async def receive(self, message: Any) -> Any:
        return self.limit


def make_worker() -> Worker:
    return Worker()


def make_limited(limit: int) -> Worker:
    return Worker(limit)


def make_pair(limit: int, extra: int) -> Worker:
    return Worker(limit + extra)


class Maker:
    def __call__(self) -> Worker:
        return Worker()


class Paired(Actor):
    def __init__(self, limit: int, extra: int) -> None:
        self.limit = limit + extra

    async def receive(self, message: Any) -> Any:
        return self.limit


SIZE = r"to size the pool, pass size=4"

FACTORIES = [make_worker, lambda: Worker(), functools.partial(make_limited, 3), Maker()]


@pytest.mark.parametrize("factory", FACTORIES, ids=["function", "lambda", "partial", "object"])
async def test_a_lone_int_for_a_function_without_arguments_names_size(factory: Any) -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        with pytest.raises(TypeError, match=SIZE) as refused:
            await system.spawn_pool(factory, 4, name="pool")
        assert "each member's factory" in str(refused.value)
        assert system.lookup("/pool") is None  # refused at the call: no pool was started
        pool = await system.spawn_pool(factory, size=4, name="pool")
        assert len(pool.members) == 4


@pytest.mark.parametrize("factory", [make_pair, Paired], ids=["function", "class"])
async def test_a_factory_wanting_more_arguments_hears_why_and_about_size(factory: Any) -> None:
    """It takes positional arguments, just not that one alone: the refusal says what is
    missing, not that it takes none."""
    async with asyncio.timeout(5), ActorSystem() as system:
        with pytest.raises(TypeError, match=SIZE) as refused:
            await system.spawn_pool(factory, 4, name="pool")
        said = str(refused.value)
        assert "'extra'" in said
        assert "takes no positional argument" not in said
        assert (await system.spawn_pool(factory, 4, 1, size=2)).members


async def test_a_lone_int_a_function_takes_is_its_argument() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        pool = await system.spawn_pool(make_limited, 7, size=2)
        assert len(pool.members) == 2
        assert await pool.ask("limit") == 7


@pytest.mark.parametrize(
    ("args", "kwargs"), [((4, 5), {}), ((True,), {})], ids=["two-ints", "bool"]
)
async def test_no_size_hint_unless_the_arguments_are_a_lone_int(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        with pytest.raises(TypeError) as refused:
            await system.spawn_pool(make_worker, *args, size=2, **kwargs)
        assert "size=" not in str(refused.value)
