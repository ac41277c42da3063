"""The default snapshot of an actor that keeps its state in `__slots__` (to save memory over
many actors): every attribute of the instance, slots included. Left out, the snapshot held
nothing of that state, and a recovery restored nothing from it, then applied only the later
events: a wrong state, with no error."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import pytest

from actorkit import ActorSystem
from actorkit.persistence import EventSourced, MemoryStore
from actorkit.persistence._payload import decode, encode

from .durable_support import SharedMemoryStore

pytestmark = pytest.mark.timeout(30)


class Slotted(EventSourced):
    __slots__ = ("__count", "balance", "last")
    snapshot_every = 2
    applied: ClassVar[list[int]] = []

    def __init__(self) -> None:
        self.balance = 0
        self.__count = 0  # a private slot: stored under its mangled name

    def apply(self, event: Any) -> None:
        self.balance += event
        self.__count += 1
        self.last = event  # set by the first event only: not there before
        Slotted.applied.append(event)

    async def receive(self, message: object) -> object:
        if isinstance(message, int):
            await self.persist(message)
        return (self.balance, self.__count)


async def test_slots_are_in_the_default_snapshot_and_come_back() -> None:
    store = SharedMemoryStore()
    async with asyncio.timeout(10):
        async with ActorSystem("s", store=store) as system:
            acct = await system.spawn(Slotted, name="a")
            for amount in (1, 2, 3):
                await acct.ask(amount)
        kept = await store.load_snapshot("/a")
        assert kept is not None and kept.seq == 2
        assert decode(kept.payload) == {"balance": 3, "_Slotted__count": 2, "last": 2}
        Slotted.applied.clear()
        async with ActorSystem("s", store=store.another()) as system:
            acct = await system.spawn(Slotted, name="a")
            assert await acct.ask("get") == (6, 3)
    assert Slotted.applied == [3]  # from the snapshot on, not from event 1


async def test_a_snapshot_taken_without_the_slots_is_passed_over(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One stored before slots were kept lacks them, as one of an earlier shape would."""
    store = MemoryStore()
    async with asyncio.timeout(10), ActorSystem("s", store=store) as system:
        await store.append("/a", 0, [encode(1), encode(2), encode(3)])
        await store.save_snapshot("/a", 2, encode({}))
        acct = await system.spawn(Slotted, name="a")
        assert await acct.ask("get") == (6, 3)
    assert "snapshot 2 of '/a' was taken by an earlier shape of Slotted" in caplog.text
    assert "lacks the attribute(s)" in caplog.text
    assert "'balance'" in caplog.text and "'_Slotted__count'" in caplog.text
