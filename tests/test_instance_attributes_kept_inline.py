"""The runtime never reads an actor instance's `__dict__` as it spawns it, checks it or
starts it: on CPython 3.11 and 3.12 that read moves the instance's attributes out of their
inline slots into a dict of their own, and every attribute the actor's handlers read or write
then costs about twice as much (a tell to such an actor measured 16% slower). Seen from
outside through the collector: an instance with inline attributes refers to their values,
one with a dict to the dict. On 3.13 the dict is no longer visible that way."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.persistence import DurableState, EventSourced, MemoryStore

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 13), reason="3.13 keeps the values inline beside a dict"
)

BOUND = 5.0


def holds_a_dict(instance: object) -> bool:
    return any(type(one) is dict for one in gc.get_referents(instance))


class Counter(Actor):
    def __init__(self, start: int = 0) -> None:
        self.count = start

    async def receive(self, message: Any) -> Any:
        if message == "boom":
            raise RuntimeError("to be restarted")
        self.count += 1
        return self


class Box(DurableState):
    async def receive(self, message: Any) -> Any:
        await self.save(message)
        return self


class Tally(EventSourced):
    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: Any) -> None:
        self.total += event

    async def receive(self, message: Any) -> Any:
        await self.persist(message)
        return self


FACTORIES: dict[str, Callable[[], Actor]] = {
    "a class": Counter,
    "a class with arguments": lambda: Counter(5),
    "a durable state": Box,
    "an event-sourced actor": Tally,
}


@pytest.mark.parametrize("made_by", list(FACTORIES))
async def test_an_actor_keeps_its_attributes_inline_through_spawn_and_handling(
    made_by: str,
) -> None:
    async with asyncio.timeout(BOUND), ActorSystem(store=MemoryStore()) as system:
        for _ in range(2):  # the first instance of a class is checked further than the next
            ref = await system.spawn(FACTORIES[made_by])
            assert not holds_a_dict(await ref.ask(1))


async def test_a_restarted_actor_keeps_its_attributes_inline() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        ref = await system.spawn(lambda: Counter(5))
        ref.tell("boom")
        restarted = await ref.ask(1)
        assert restarted.count == 6
        assert not holds_a_dict(restarted)
