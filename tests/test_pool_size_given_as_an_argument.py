"""`spawn_pool(Worker, 4)`: the 4 is a positional argument, which `spawn_pool` passes to each
member's factory, not the pool's size (`size=`). Where the factory takes no such argument,
the refusal says to pass `size=4`, rather than Python's bare "takes 1 positional argument
but 2 were given" about a call the user never wrote (API 8)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem


class Plain(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class Counter(Actor):
    def __init__(self) -> None:
        self.count = 0

    async def receive(self, message: Any) -> Any:
        return message


class Sized(Actor):
    def __init__(self, limit: int) -> None:
        self.limit = limit

    async def receive(self, message: Any) -> Any:
        return self.limit


SIZE = r"to size the pool, pass size=4"


@pytest.mark.parametrize("factory", [Plain, Counter], ids=["no-init", "own-init"])
async def test_a_lone_int_for_a_factory_without_arguments_names_size(factory: Any) -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        with pytest.raises(TypeError, match=SIZE):
            await system.spawn_pool(factory, 4, name="pool")
        assert system.lookup("/pool") is None
        pool = await system.spawn_pool(factory, size=4, name="pool")
        assert len(pool.members) == 4


async def test_a_lone_int_the_factory_takes_is_its_argument() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        pool = await system.spawn_pool(Sized, 7, size=2)
        assert len(pool.members) == 2
        assert await pool.ask("limit") == 7


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((4, 5), {}), ((4,), {"x": 1}), ((True,), {})],
    ids=["two-ints", "int-and-keyword", "bool"],
)
async def test_no_size_hint_unless_the_arguments_are_a_lone_int(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Only `spawn_pool(Worker, 4)` reads as a size given positionally: with more arguments,
    or a bool, `size=` would be advice about a call that did not mean it."""
    async with asyncio.timeout(5), ActorSystem() as system:
        with pytest.raises(TypeError, match="drop them from spawn_pool") as refused:
            await system.spawn_pool(Plain, *args, size=2, **kwargs)
        assert "size=" not in str(refused.value)
        with pytest.raises(TypeError) as refused:
            await system.spawn_pool(Counter, *args, size=2, **kwargs)
        assert "size=" not in str(refused.value)


async def test_a_lone_str_for_a_factory_without_arguments_is_python_s_refusal() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        with pytest.raises(TypeError, match="takes 1 positional argument") as refused:
            await system.spawn_pool(Counter, "4", size=2)
        assert "size=" not in str(refused.value)
