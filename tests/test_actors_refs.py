"""Paths, names, lookup, parents and children, and refs (API 1, 2)."""

from __future__ import annotations

import asyncio
import copy
import pickle
import re
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, NameTaken

from .actors_support import Counter


async def test_paths_names_lookup_and_children() -> None:
    class Parent(Actor):
        async def on_start(self) -> None:
            await self.spawn(Counter, name="a")
            await self.spawn(Counter, name="b")

        async def receive(self, message: Any) -> Any:
            return [c.path for c in self.children], self.parent

    async with ActorSystem() as system:
        parent = await system.spawn(Parent, name="p")
        paths, grandparent = await parent.ask("who")
        assert paths == ["/p/a", "/p/b"]
        assert grandparent is None
        child = system.lookup("/p/a")
        assert child is not None and child.name == "a" and child.path == "/p/a"
        assert system.lookup("/nope") is None
        assert await system.ask("/p/a", "get") == 0


async def test_child_sees_its_parent() -> None:
    class Child(Actor):
        async def receive(self, message: Any) -> Any:
            return self.parent

    class Parent(Actor):
        async def receive(self, message: Any) -> Any:
            child = await self.spawn(Child, name="c")
            return await child.ask("parent?")

    async with ActorSystem() as system:
        parent = await system.spawn(Parent, name="p")
        assert await parent.ask("go") == parent


async def test_context_is_available_in_init() -> None:
    class Named(Actor):
        def __init__(self) -> None:
            self.seen_path = self.path

        async def receive(self, message: Any) -> Any:
            return self.seen_path

    async with ActorSystem() as system:
        ref = await system.spawn(Named, name="n")
        assert await ref.ask("?") == "/n"


async def test_unnamed_actors_get_unique_generated_names() -> None:
    async with ActorSystem() as system:
        refs = [await system.spawn(Counter) for _ in range(20)]
        names = {ref.name for ref in refs}
        assert len(names) == 20
        assert all(name.startswith("$") for name in names)


async def test_sibling_names_are_unique_and_reusable_after_stop() -> None:
    async with ActorSystem() as system:
        first = await system.spawn(Counter, name="x")
        with pytest.raises(NameTaken, match="/x already exists"):
            await system.spawn(Counter, name="x")
        await first.stop()
        second = await system.spawn(Counter, name="x")
        assert second != first
        assert second.is_alive and not first.is_alive


async def test_refs_are_hashable_and_equal_by_actor() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Counter, name="c")
        again = system.lookup("/c")
        assert again == ref and hash(again) == hash(ref)
        assert {ref, again} == {ref}
        assert isinstance(ref, ActorRef)


async def test_refs_copy_as_themselves_and_refuse_pickle_saying_how_to_cross() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        ref = await system.spawn(Counter, name="c")
        pool = await system.spawn_pool(Counter, size=2, name="pool")
        for each in (ref, pool, *pool.members):
            assert copy.copy(each) is each
            assert copy.deepcopy(each) is each
            held = {"reply_to": each, "config": [1, 2]}
            copied = copy.deepcopy(held)
            assert copied["reply_to"] is each and copied["config"] is not held["config"]
            with pytest.raises(
                TypeError, match=f"cannot pickle {re.escape(repr(each))}: actor refs"
            ):
                pickle.dumps(each)
            with pytest.raises(TypeError, match=r"system\.remote\(system_name, path\)"):
                pickle.dumps(held)
        assert await copy.copy(ref).ask("get") == 0


async def test_callable_factory_is_accepted() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(lambda: Counter(7))
        assert await ref.ask("get") == 7
