"""A durable base class of the user's whose `__init_subclass__` leaves out `super()` keeps
`EventSourced`'s and `DurableState`'s own from setting up its subclasses: their `on_start`
would run without recovery, and the actor start without its state. Their spawn is refused,
saying which `__init_subclass__` to mend; one that calls `super()` recovers as usual."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import ActorSystem
from actorkit.persistence import DurableState, EventSourced, MemoryStore

from .hardening_support import BOUND
from .spawn_refusal_support import refused_at_spawn


class Silent(EventSourced):
    registered = False
    total: int

    def __init_subclass__(cls, **kwargs: Any) -> None:
        cls.registered = True  # and no super()

    def apply(self, event: int) -> None:
        self.total += event


class Counter(Silent):
    def __init__(self) -> None:
        self.total = 0

    async def on_start(self) -> None:
        pass

    async def receive(self, message: Any) -> Any:
        return self.total


class Quiet:
    """A mixin ahead of the durable base, whose `__init_subclass__` ends the chain."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        pass


class Settings(Quiet, DurableState):
    async def receive(self, message: Any) -> Any:
        return self.state


async def test_a_subclass_of_a_base_without_super_is_refused_naming_the_base() -> None:
    said = await refused_at_spawn(Counter)
    assert "Counter was not set up by its base EventSourced" in said
    assert "Silent.__init_subclass__ must call super().__init_subclass__(**kwargs)" in said


async def test_a_mixin_without_super_ahead_of_a_durable_base_is_refused() -> None:
    said = await refused_at_spawn(Settings)
    assert "Settings was not set up by its base DurableState" in said
    assert "Quiet.__init_subclass__ must call super()" in said


class Chained(EventSourced):
    registered = False
    total: int

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.registered = True

    def apply(self, event: int) -> None:
        self.total += event


class Tally(Chained):
    def __init__(self) -> None:
        self.total = 0

    async def on_start(self) -> None:
        self.started_with = self.total

    async def receive(self, message: Any) -> Any:
        if message == "started with":
            return self.started_with
        await self.persist(message)
        return None


async def test_a_base_that_calls_super_recovers_its_subclasses() -> None:
    async with ActorSystem(metrics=False, store=MemoryStore()) as system:
        async with asyncio.timeout(BOUND):
            first = await system.spawn(Tally, name="tally")
            await first.ask(5)
            await first.stop()
            again = await system.spawn(Tally, name="tally")
            assert await again.ask("started with") == 5
