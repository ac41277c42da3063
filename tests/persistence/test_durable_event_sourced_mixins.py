"""Mixins with their own `on_start`, before or after the durable base, start after recovery."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.persistence import EventSourced

from .durable_support import Deposited, FlakyStore, MakeStore
from .event_sourced_support import Account

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(autouse=True)
def _fresh_counts() -> None:
    Account.applied.clear()


class StartsLoudly:
    """A mixin with its own on_start, placed before the durable base."""

    async def on_start(self) -> None:
        self.started_with = self.balance  # type: ignore[attr-defined]


class Mixed(StartsLoudly, Account):
    pass


class MixedChild(Mixed):
    async def on_start(self) -> None:
        await super().on_start()
        self.started_with += 1000


class CountsStarts(Actor):
    """An actor mixin with its own on_start, placed after the durable base."""

    async def on_start(self) -> None:
        self.started_with = self.balance  # type: ignore[attr-defined]


class MixedAfter(EventSourced, CountsStarts):
    def __init__(self) -> None:
        self.balance = 0
        self.started_with: int | None = None

    def apply(self, event: Any) -> None:
        self.balance += event.amount

    async def receive(self, message: Any) -> Any:
        if message == "started_with":
            return self.started_with
        await self.persist(Deposited(message))
        return self.balance


async def test_an_actor_mixin_after_the_durable_base_starts_too_after_recovery() -> None:
    async with asyncio.timeout(10):
        async with ActorSystem("after", store=FlakyStore()) as system:
            mixed = await system.spawn(MixedAfter, name="m")
            assert await mixed.ask("started_with") == 0
            await mixed.ask(5)
            await mixed.stop()
            mixed = await system.spawn(MixedAfter, name="m")
            assert await mixed.ask("started_with") == 5


async def test_recovery_comes_before_a_mixin_s_on_start_and_a_subclass_s(make: MakeStore) -> None:
    async with ActorSystem("mixins", store=make()) as system:
        mixed = await system.spawn(Mixed, name="m")
        await mixed.ask(5)
        await mixed.stop()
        mixed = await system.spawn(Mixed, name="m")
        assert await mixed.ask("started_with") == 5
        await mixed.stop()
        child = await system.spawn(MixedChild, name="c", persistence_id="/m")
        assert await child.ask("started_with") == 1005
        assert Account.applied.count(5) == 3  # one apply per persist or recovery, no more
