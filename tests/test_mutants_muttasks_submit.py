"""`submit`'s arguments, where a mutation review of the task layer found no test (API 6)."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Task

from .tasks_support import Fail, Worker

_names = itertools.count()


class Retries(int):
    """An int of a subclass: taken by its value, as every int option is."""


async def test_no_retries_given_as_an_int_subclass_means_one_attempt() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        await system.spawn(Worker, [], name="w")
        handle = await system.submit(Fail("once", times=1), retries=Retries(0))
        with pytest.raises(RuntimeError, match="once failed attempt 1"):
            await handle
        assert handle.attempt == 1


class Sly(str):
    """Equal to every str, and hashing as the name it is told to: kept as a key of the checked
    requirement sets, it would answer for that name's set."""

    hashes_as: str

    def __new__(cls, text: str, hashes_as: str) -> Sly:
        sly = super().__new__(cls, text)
        sly.hashes_as = hashes_as
        return sly

    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return hash(self.hashes_as)


class Named(Actor):
    async def receive(self, message: Any) -> Any:
        assert isinstance(message, Task)
        return sorted(message.requires)


async def test_a_requirement_of_a_str_subclass_never_stands_for_another_set() -> None:
    name = f"muttasks-{next(_names)}"  # a set no other test submitted before
    async with asyncio.timeout(10), ActorSystem() as system:
        await system.spawn(Named, capabilities=(name,))
        sly = await system.submit("sly", requires=(Sly("other", hashes_as=name),))
        plain = await system.submit("plain", requires=(name,))
        assert (sly.status, plain.status) == ("pending", "running")
        assert await plain == [name]
        assert sly.cancel()
