"""A default snapshot taken by an earlier shape of the actor, holding an attribute the class
now computes with a `functools.cached_property` (or another descriptor with only `__get__`):
set back into the instance, the stored value hides the computation for good, so the snapshot
is passed over for the journal, as for a property or a method (docs/persistence.md,
"Snapshots are passed over instead": "one that holds an attribute the class now defines as a
property or method, which setting back would fail or hide"). It was restored, and the actor
answered with the old version's value, silently."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import EventSourced, MemoryStore
from actorkit.persistence._payload import decode, encode

from .durable_support import Deposited, SharedMemoryStore

pytestmark = pytest.mark.timeout(30)


class Limited(EventSourced):
    """Version 2: `limit`, an attribute version 1 kept (set to 100), is computed now."""

    snapshot_every = 10

    def __init__(self) -> None:
        self.balance = 0

    @functools.cached_property
    def limit(self) -> int:
        return 200

    def apply(self, event: Any) -> None:
        self.balance += event.amount

    async def receive(self, message: object) -> object:
        return (self.balance, self.limit)


class Lazy:
    """A descriptor with `__get__` only: an instance attribute of its name hides it."""

    def __get__(self, instance: object, owner: type | None = None) -> object:
        return "computed"


class Described(Limited):
    """Version 2: `limit` is a descriptor of the program's own."""

    limit = Lazy()  # type: ignore[assignment]


class Counted(EventSourced):
    """A class default its instances shadow (no descriptor): restored, as before."""

    snapshot_every = 10
    limit = 0

    def __init__(self) -> None:
        self.balance = 0

    def apply(self, event: Any) -> None:
        self.balance += event.amount

    async def receive(self, message: object) -> object:
        return (self.balance, self.limit)


async def _recovered(cls: type[EventSourced]) -> object:
    """The answer of `cls` recovered from one event of 5 and a version 1 snapshot of it that
    kept `limit` as 100 (and a balance of 99: the journal's 5 wins if it is passed over)."""
    store = MemoryStore()
    async with asyncio.timeout(10), ActorSystem("bank", store=store) as system:
        await store.append("/acct", 0, [encode(Deposited(5))])
        await store.save_snapshot("/acct", 1, encode({"balance": 99, "limit": 100}))
        acct = await system.spawn(cls, name="acct")
        return await acct.ask("get")


async def test_an_attribute_now_a_cached_property_passes_the_snapshot_over(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await _recovered(Limited) == (5, 200)
    assert "snapshot 1 of '/acct' was taken by an earlier shape of Limited" in caplog.text
    assert "'limit'" in caplog.text


async def test_an_attribute_now_a_descriptor_of_the_program_s_own_passes_it_over() -> None:
    assert await _recovered(Described) == (5, "computed")


async def test_a_class_default_that_is_no_descriptor_is_still_restored() -> None:
    assert await _recovered(Counted) == (99, 100)


class Current(Limited):
    """The version that computes `limit`, reading it before each persist: its cache is no
    state, so its own snapshots hold none and are restored, not passed over."""

    snapshot_every = 1

    async def receive(self, message: object) -> object:
        assert self.limit == 200
        await self.persist(Deposited(5))
        return (self.balance, self.limit)


async def test_a_cached_property_s_value_is_no_state_its_own_snapshots_are_restored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = SharedMemoryStore()
    for expected in (5, 10):
        async with asyncio.timeout(10), ActorSystem("bank", store=store.another()) as system:
            acct = await system.spawn(Current, name="acct")
            assert await acct.ask("deposit") == (expected, 200)
    snapshot = await store.load_snapshot("/acct")
    assert snapshot is not None and decode(snapshot.payload) == {"balance": 10}
    assert "passed over" not in caplog.text


class Checked:
    """A data descriptor that keeps its value in the instance's `__dict__` under its own
    name (as many validating field descriptors do): that value is state."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> object:
        return instance.__dict__[self.name] if instance is not None else self

    def __set__(self, instance: object, value: int) -> None:
        if value < 0:
            raise ValueError("no debt")
        instance.__dict__[self.name] = value


class Guarded(EventSourced):
    snapshot_every = 1
    balance = Checked()

    def __init__(self) -> None:
        self.balance = 0

    def apply(self, event: Any) -> None:
        self.balance += event.amount

    async def receive(self, message: object) -> object:
        if message != "get":
            await self.persist(Deposited(5))
        return self.balance


async def test_a_data_descriptor_s_value_kept_in_the_instance_is_state_and_restored() -> None:
    store = SharedMemoryStore()
    async with asyncio.timeout(10), ActorSystem("bank", store=store.another()) as system:
        acct = await system.spawn(Guarded, name="acct")
        assert await acct.ask("deposit") == 5
    snapshot = await store.load_snapshot("/acct")
    assert snapshot is not None and decode(snapshot.payload) == {"balance": 5}
    await store.append("/acct", 1, [encode(Deposited(1))])  # a later event, after the snapshot
    async with asyncio.timeout(10), ActorSystem("bank", store=store.another()) as system:
        acct = await system.spawn(Guarded, name="acct")
        assert await acct.ask("get") == 6
