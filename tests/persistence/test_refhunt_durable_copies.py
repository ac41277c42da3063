"""Copies of durable actor instances (API 1: an actor's context is an identity, not a value).
A durable actor holds its link to the store (`_durable`) beside its context, and a copy is a
new instance as one made by calling its class, without either: a clone a factory may spawn
(`lambda: copy.deepcopy(template)`), bound to its own persistence id there, and outside a
factory an unspawned instance, never a twin writing through the actor's link (its `save`
raced the actor's own), nor a deep copy walking into the store's futures and the loop."""

from __future__ import annotations

import asyncio
import copy
import pickle
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import DurableState, EventSourced, MemoryStore
from actorkit.testing import instance

pytestmark = pytest.mark.timeout(10)


class Kept(DurableState):
    def __init__(self, start: int = 0) -> None:
        self.start = start

    async def receive(self, message: Any) -> Any:
        await self.save({"n": self.start})
        return self.persistence_id, self.state


class Journal(EventSourced):
    def __init__(self) -> None:
        self.seen: list[Any] = []

    def apply(self, event: Any) -> None:
        self.seen.append(event)

    async def receive(self, message: Any) -> Any:
        await self.persist(message)
        return self.persistence_id, self.seen


async def test_a_factory_spawns_clones_of_a_durable_template() -> None:
    template = Kept(5)
    async with asyncio.timeout(5), ActorSystem("c", store=MemoryStore(), metrics=False) as system:
        clones = [await system.spawn(lambda: copy.deepcopy(template), name=n) for n in "ab"]
        assert [await ref.ask("go") for ref in clones] == [("/a", {"n": 5}), ("/b", {"n": 5})]
        journal = Journal()
        ref = await system.spawn(lambda: copy.deepcopy(journal), name="j")
        assert await ref.ask("e") == ("/j", ["e"])


async def test_a_copy_of_a_spawned_durable_actor_is_unspawned_and_writes_nothing() -> None:
    async with asyncio.timeout(5), ActorSystem("c", store=MemoryStore(), metrics=False) as system:
        refs = [await system.spawn(Kept, 1, name="k"), await system.spawn(Journal, name="j")]
        for ref in refs:
            await ref.ask("e")
            actor = instance(ref)
            assert isinstance(actor, Kept | Journal)
            for twin in (copy.copy(actor), copy.deepcopy(actor), pickle.loads(pickle.dumps(actor))):
                assert type(twin) is type(actor) and twin is not actor
                with pytest.raises(AttributeError, match="was not spawned"):
                    _ = twin.persistence_id
        kept = instance(refs[0])
        assert isinstance(kept, Kept)
        with pytest.raises(AttributeError, match="was not spawned"):
            await copy.copy(kept).save({"n": 99})
        assert await refs[0].ask("again") == ("/k", {"n": 1})


class Pristine(DurableState):
    """Keeps a copy of itself as constructed, to reset to: made in `__init__`, within the
    spawn, the copy is of the actor under construction, and must not be bound to it."""

    def __init__(self) -> None:
        self.n = 1
        self.pristine = copy.deepcopy(self)

    async def receive(self, message: Any) -> Any:
        await self.save({"n": self.n})
        with pytest.raises(AttributeError, match="was not spawned"):
            _ = self.pristine.persistence_id
        return self.persistence_id, self.state


async def test_a_copy_an_actor_makes_of_itself_as_it_is_constructed_is_unspawned() -> None:
    async with asyncio.timeout(5), ActorSystem("c", store=MemoryStore(), metrics=False) as system:
        ref = await system.spawn(Pristine, name="p")
        assert await ref.ask("go") == ("/p", {"n": 1})
