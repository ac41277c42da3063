"""The size hint of `spawn_pool(factory, 4)` names the factory as the user wrote it (a class
or a function by its qualified name), and a factory whose signature `inspect` cannot read
(it raises TypeError, as for a malformed `__signature__`) is left to its own call: the lone
int may well be its argument."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem


class Worker(Actor):
    def __init__(self, limit: int = 0) -> None:
        self.limit = limit

    async def receive(self, message: Any) -> Any:
        return self.limit


class Pair(Actor):
    def __init__(self, limit: int, extra: int) -> None:
        self.limit = limit + extra

    async def receive(self, message: Any) -> Any:
        return self.limit


def make_worker() -> Worker:
    return Worker()


class Unreadable:
    """Callable with the int, but its signature cannot be read."""

    __signature__ = "not a signature"

    def __call__(self, limit: int) -> Worker:
        return Worker(limit)


@pytest.mark.parametrize(
    ("factory", "name"), [(make_worker, "make_worker"), (Pair, "Pair")], ids=["function", "class"]
)
async def test_the_hint_names_the_factory_by_its_name(factory: Any, name: str) -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        with pytest.raises(TypeError, match="pass size=4") as refused:
            await system.spawn_pool(factory, 4)
    assert str(refused.value).startswith(f"{name} cannot be called with 4 alone")


async def test_a_factory_whose_signature_cannot_be_read_gets_the_int() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        pool = await system.spawn_pool(Unreadable(), 4, size=2)
        assert len(pool.members) == 2
        assert await pool.ask("limit") == 4
