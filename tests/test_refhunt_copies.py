"""Copies of actor instances (API 1: a ref is an identity, not a value; so is an actor's
context). A copy or a pickle of an instance, spawned or made by calling its class (a
template that a factory copies for each start), is a new instance, not spawned: a clone a
factory may spawn, never a second actor. A copy of its `vars()` (a snapshot of its state)
keeps the actor's context as it is, never half-copied; `pickle` refuses that context with a
message that says what it is."""

from __future__ import annotations

import asyncio
import copy
import pickle
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import instance

pytestmark = pytest.mark.timeout(10)


class Tally(Actor):
    def __init__(self, start: int = 0) -> None:
        self.count = start
        self.seen: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "twin":
            return copy.deepcopy(self), copy.copy(self), copy.deepcopy(vars(self))
        if message == "pickle":
            pickle.dumps(vars(self))
        if message == "unpickle":
            return pickle.loads(pickle.dumps(self))
        self.seen.append(message)
        self.count += 1
        return self.count


def test_a_template_instance_deep_copies_and_pickles_as_an_unspawned_one() -> None:
    template = Tally(5)
    for twin in (copy.deepcopy(template), pickle.loads(pickle.dumps(template))):
        assert isinstance(twin, Tally) and twin.count == 5 and twin is not template
        with pytest.raises(AttributeError, match="was not spawned"):
            _ = twin.ref


async def test_a_factory_that_copies_a_template_spawns_and_restarts() -> None:
    template = Tally(5)
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        ref = await system.spawn(lambda: copy.deepcopy(template), name="t")
        assert await ref.ask("x") == 6
        assert template.count == 5


async def test_a_spawned_instance_copies_as_an_unspawned_clone_its_vars_keep_the_context() -> None:
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        ref = await system.spawn(Tally, 1, name="t")
        await ref.ask("a")
        deep, shallow, state = await ref.ask("twin")
        unpickled = await ref.ask("unpickle")
        for twin in (deep, shallow, unpickled):  # a new instance, no second actor
            assert twin.count == 2 and twin.seen == ["a"]
            with pytest.raises(AttributeError, match="was not spawned"):
                _ = twin.ref
        assert deep.seen is not shallow.seen
        clone = await system.spawn(lambda: deep, name="clone")  # a clone, its state copied
        assert clone != ref and await clone.ask("b") == 3
        assert state["count"] == 2 and state["seen"] == ["a"]
        actor = instance(ref)
        assert actor is not None and state["_cell"] is actor._cell
        assert system.actor_count == 2
        assert await ref.ask("b") == 3


async def test_pickling_an_actors_state_says_what_cannot_be_pickled() -> None:
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        ref = await system.spawn(Tally, name="t")
        with pytest.raises(TypeError, match="cannot pickle the context of actor /t"):
            await ref.ask("pickle")


class Slotted(Tally):
    """State in slots too: a copy's state is the instance dict and the slots apart."""

    __slots__ = ("extra",)

    def __init__(self, start: int = 0) -> None:
        super().__init__(start)
        self.extra = "kept"


async def test_an_instance_with_slots_copies_and_pickles_as_an_unspawned_one() -> None:
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        actor = instance(await system.spawn(Slotted, 1, name="s"))
        for twin in (copy.deepcopy(actor), copy.copy(actor), pickle.loads(pickle.dumps(actor))):
            assert isinstance(twin, Slotted) and (twin.count, twin.extra) == (1, "kept")
            with pytest.raises(AttributeError, match="was not spawned"):
                _ = twin.ref
        assert system.actor_count == 1


@pytest.mark.parametrize("protocol", [0, 1])
def test_an_instance_pickles_with_the_oldest_protocols_too(protocol: int) -> None:
    """Its context in a copy is an `Unspawned`, which has slots: protocols 0 and 1 refuse
    slots without a way to rebuild them."""
    template = Tally(5)
    twin = pickle.loads(pickle.dumps(template, protocol=protocol))
    assert isinstance(twin, Tally) and twin.count == 5
    with pytest.raises(AttributeError, match="was not spawned"):
        _ = twin.ref


async def test_a_spawned_instance_pickles_with_the_oldest_protocols_as_an_unspawned_one() -> None:
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        actor = instance(await system.spawn(Tally, 1, name="t"))
        for protocol in (0, 1):
            twin = pickle.loads(pickle.dumps(actor, protocol=protocol))
            assert isinstance(twin, Tally) and twin.count == 1
            with pytest.raises(AttributeError, match="was not spawned"):
                _ = twin.ref


class Keeper(Actor):
    """Keeps a copy of itself as constructed: within a factory's call, still no twin."""

    def __init__(self) -> None:
        self.pristine = copy.copy(self)

    async def receive(self, message: Any) -> Any:
        return message


async def test_a_copy_made_of_the_instance_under_construction_is_unspawned() -> None:
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        for factory in (Keeper, lambda: Keeper()):
            actor = instance(await system.spawn(factory))
            assert isinstance(actor, Keeper)
            with pytest.raises(AttributeError, match="was not spawned"):
                _ = actor.pristine.ref


def test_the_state_of_an_unspawned_instance_copies_and_pickles_its_context_too() -> None:
    state = vars(Tally(5))
    copies = [copy.deepcopy(state), *(pickle.loads(pickle.dumps(state, p)) for p in range(6))]
    for copied in copies:
        assert copied["count"] == 5
        with pytest.raises(AttributeError, match="Tally was not spawned"):
            _ = copied["_cell"].ref
