"""An actor's first `__init__` runs where `spawn` was called, but in the actor's own context:
what it sets (structlog's `bind_contextvars(actor=...)`, a tenant) is the actor's, as what
a handler sets is, and as a restart's `__init__` already ran in the actor's context. Run in
the spawner's own context, it leaked into the spawner's context: a parent actor, or the
request that spawned it, went on logging with the child's values."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

where: contextvars.ContextVar[str] = contextvars.ContextVar("where", default="unset")


class SetsInInit(Actor):
    def __init__(self, value: str = "the child's") -> None:
        where.set(value)

    async def receive(self, message: Any) -> Any:
        return where.get()


class SetsInInitAndStarts(SetsInInit):
    async def on_start(self) -> None:
        pass


class SetsInInitAndStops(SetsInInit):
    async def on_stop(self) -> None:
        pass


def made_by_a_factory() -> Actor:
    return SetsInInit()


KINDS = [SetsInInit, SetsInInitAndStarts, SetsInInitAndStops, made_by_a_factory]


@pytest.mark.parametrize("factory", KINDS, ids=lambda f: f.__name__)
async def test_what_init_sets_is_the_actor_s_not_its_spawner_s(factory: Any) -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        where.set("the spawner's")
        child = await system.spawn(factory)
        assert where.get() == "the spawner's"
        assert await child.ask("where") == "the child's"


class Parent(Actor):
    async def on_start(self) -> None:
        where.set("the parent's")
        self.child = await self.spawn(SetsInInit)

    async def receive(self, message: Any) -> Any:
        return where.get(), await self.child.ask(message)


async def test_a_child_s_init_leaves_its_parent_s_context_alone() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        parent = await system.spawn(Parent)
        assert await parent.ask("where") == ("the parent's", "the child's")
