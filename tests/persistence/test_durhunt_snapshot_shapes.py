"""A default snapshot taken by an earlier shape of the actor whose attribute the class now
defines as a property or a method: restoring it would fail every recovery (a property without
a setter) or hide the method behind the stored value, so it is passed over for the journal,
as one that lacks an attribute is (docs/persistence.md, "Snapshots are passed over instead")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import EventSourced, MemoryStore
from actorkit.persistence._payload import encode

from .durable_support import Deposited

pytestmark = pytest.mark.timeout(30)


class Computed(EventSourced):
    """Version 2: `label`, an attribute version 1 kept, is a property now."""

    snapshot_every = 10

    def __init__(self) -> None:
        self.balance = 0

    @property
    def label(self) -> str:
        return f"balance {self.balance}"

    def apply(self, event: Any) -> None:
        self.balance += event.amount

    async def receive(self, message: object) -> object:
        return (self.balance, self.label)


class Described(Computed):
    """Version 2: `describe`, an attribute version 1 kept, is a method now."""

    def describe(self) -> str:
        return f"balance {self.balance}"

    async def receive(self, message: object) -> object:
        return (self.balance, self.describe())


async def _recovered(cls: type[Computed], kept: str, caplog: pytest.LogCaptureFixture) -> object:
    """The answer of `cls` recovered from one event and a version 1 snapshot of it that
    also kept the attribute `kept` (a different balance: the journal's must win)."""
    store = MemoryStore()
    async with asyncio.timeout(10), ActorSystem("bank", store=store) as system:
        await store.append("/acct", 0, [encode(Deposited(5))])
        await store.save_snapshot("/acct", 1, encode({"balance": 99, kept: "old"}))
        acct = await system.spawn(cls, name="acct")
        answer = await acct.ask("get")
    assert f"snapshot 1 of '/acct' was taken by an earlier shape of {cls.__qualname__}" in (
        caplog.text
    )
    assert repr(kept) in caplog.text
    return answer


async def test_an_attribute_that_is_now_a_property_passes_the_snapshot_over(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await _recovered(Computed, "label", caplog) == (5, "balance 5")


async def test_an_attribute_that_is_now_a_method_passes_the_snapshot_over(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await _recovered(Described, "describe", caplog) == (5, "balance 5")


class Counter(EventSourced):
    """A class default its instances shadow: an attribute like any other, restored."""

    snapshot_every = 1
    seen = 0

    def __init__(self) -> None:
        self.balance = 0

    def apply(self, event: Any) -> None:
        self.balance += event.amount
        self.seen += 1

    async def receive(self, message: object) -> object:
        if isinstance(message, int):
            await self.persist(Deposited(message))
        return (self.balance, self.seen)


async def test_a_class_default_the_instance_shadows_is_restored_from_the_snapshot(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = MemoryStore()
    async with asyncio.timeout(10), ActorSystem("bank", store=store) as system:
        await store.append("/c", 0, [encode(Deposited(5))])
        await store.save_snapshot("/c", 1, encode({"balance": 5, "seen": 7}))
        counter = await system.spawn(Counter, name="c")
        assert await counter.ask("get") == (5, 7)  # the snapshot's, not a replay's 1
    assert "passed over" not in caplog.text
