"""Stored values a later deploy reads, where the evolution tests did not look (found by a
mutation review of `_evolution`)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

import pytest

from actorkit import ActorSystem
from actorkit.persistence import EventSourced, MemoryStore, PersistenceError
from actorkit.persistence._payload import encode

from .evolution_support import Log, deploy, versions
from .evolution_versions import Price, PriceInt
from .test_evolution_snapshot_fields import TallyV1, TallyV2  # `count` renamed `total`

pytestmark = pytest.mark.timeout(30)
__all__ = ["versions"]  # the fixture


@pytest.mark.usefixtures("versions")
async def test_a_value_that_fails_part_way_leaves_its_dropped_fields_to_no_other(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An event whose first object lost a field and whose second no longer decodes fails its
    recovery; the next actor's recovery, of values that lost nothing, is warned of nothing."""
    store = MemoryStore()
    async with asyncio.timeout(10):
        async with ActorSystem("deploy", store=store) as system:
            deploy({"mutpers.Row": TallyV1})
            await store.append("/a", 0, [encode((TallyV1(5), Price(5.0)))])
            await store.append("/b", 0, [encode(7)])
            deploy({"mutpers.Row": TallyV2, "evo.Price": PriceInt})
            with caplog.at_level(logging.WARNING, logger="actorkit"):
                with pytest.raises(PersistenceError, match="event 1 of '/a' does not decode"):
                    await system.spawn(Log, name="a")
                b = await system.spawn(Log, name="b")
                assert await b.ask("now") == [7]
    said = [r.getMessage() for r in caplog.records if "'/b'" in r.getMessage()]
    assert said == []


class AtLeastZero:
    """A validating field: its value is kept in the instance's `__dict__` under its name."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return self if instance is None else vars(instance)[self.name]

    def __set__(self, instance: object, value: int) -> None:
        if value < 0:
            raise ValueError(f"{self.name} must be >= 0, got {value}")
        vars(instance)[self.name] = value


class Balance(EventSourced):
    snapshot_every = 2
    applied: ClassVar[list[int]] = []
    balance = AtLeastZero()

    def __init__(self) -> None:
        self.balance = 0

    def apply(self, event: Any) -> None:
        Balance.applied.append(event)
        self.balance += event

    async def receive(self, message: Any) -> Any:
        if message != "now":
            await self.persist(message)
        return self.balance


async def test_a_default_snapshot_of_a_field_init_sets_through_a_descriptor_is_restored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Only an attribute that `__init__` does not set and the class defines is a sign of an
    earlier shape; a validating field `__init__` sets is restored as it was taken, not
    passed over for a replay of the whole journal."""
    store = MemoryStore()
    async with asyncio.timeout(10):
        async with ActorSystem("balance", store=store) as system:
            balance = await system.spawn(Balance, name="b")
            for n in (10, 20, 30):  # a snapshot at 2
                await balance.ask(n)
            await balance.stop()
            Balance.applied.clear()
            with caplog.at_level(logging.WARNING, logger="actorkit"):
                balance = await system.spawn(Balance, name="b")
                assert await balance.ask("now") == 60
    assert Balance.applied == [30]  # the event after the snapshot alone
    assert "passed over" not in caplog.text
