"""Copies of actor instances, as refs are copied (API 1: a ref is an identity, not a value).
An instance made by calling its class (a template that a factory copies for each start) and
a spawned actor's instance, or its `vars()` (a snapshot of its state), copy with the
runtime's context kept as it is: never half-copied, never a second actor; `pickle` refuses a
spawned actor's context with a message that says what it is."""

from __future__ import annotations

import asyncio
import copy
import pickle
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

pytestmark = pytest.mark.timeout(10)


class Tally(Actor):
    def __init__(self, start: int = 0) -> None:
        self.count = start
        self.seen: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "twin":
            twin = copy.deepcopy(self)
            return twin, twin.ref, copy.deepcopy(vars(self))
        if message == "pickle":
            pickle.dumps(vars(self))
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


async def test_a_spawned_instance_and_its_vars_copy_with_the_same_context() -> None:
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        ref = await system.spawn(Tally, 1, name="t")
        await ref.ask("a")
        twin, twin_ref, state = await ref.ask("twin")
        assert twin_ref is ref  # the same actor's context, not a copy of it
        assert twin.count == 2 and twin.seen == ["a"]
        assert state["count"] == 2 and state["seen"] == ["a"]
        assert system.actor_count == 1
        assert await ref.ask("b") == 3


async def test_pickling_an_actors_state_says_what_cannot_be_pickled() -> None:
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        ref = await system.spawn(Tally, name="t")
        with pytest.raises(TypeError, match="cannot pickle the context of actor /t"):
            await ref.ask("pickle")
