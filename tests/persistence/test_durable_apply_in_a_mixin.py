"""An `apply` that a mixin defines, listed after `EventSourced` in the actor's bases: Python
finds `EventSourced`'s own placeholder first, so the actor has no `apply` of its own and its
spawn is refused, as one without any is; the error names the mixin and says to list it
first, instead of telling the user to define the method they did define
(docs/persistence.md, "Event sourcing")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import EventSourced, MemoryStore

from .durable_support import Deposited, journal

pytestmark = pytest.mark.timeout(30)


class Folding:
    """A mixin that applies events by adding their amounts."""

    balance = 0

    def apply(self, event: Any) -> None:
        self.balance += event.amount


class After(EventSourced, Folding):
    async def receive(self, message: Any) -> Any:
        await self.persist(Deposited(message))
        return self.balance


class Before(Folding, EventSourced):
    async def receive(self, message: Any) -> Any:
        await self.persist(Deposited(message))
        return self.balance


async def test_a_mixin_s_apply_after_event_sourced_is_named_with_the_order_to_list() -> None:
    async with asyncio.timeout(10), ActorSystem("mixin", store=(store := MemoryStore())) as system:
        with pytest.raises(TypeError) as refused:
            await system.spawn(After, name="a")
        said = str(refused.value)
        assert "Folding.apply" in said
        assert "class After(Folding, EventSourced)" in said
        assert await journal(store, "/a") == []
        assert await (await system.spawn(Before, name="b")).ask(5) == 5
