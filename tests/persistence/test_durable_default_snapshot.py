"""`snapshot_every` without `snapshot`/`restore`: the actor's own attributes are the snapshot,
as the contract's sample (API.md §11) writes it; an attribute the codec cannot keep leaves
the snapshot untaken, logged naming it and saying to define the hooks."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

import pytest

import actorkit
from actorkit import ActorSystem
from actorkit.persistence import EventSourced, SQLiteStore
from actorkit.persistence._payload import encode

from .durable_support import Deposited, journal

pytestmark = pytest.mark.timeout(30)


class Account(EventSourced):  # the contract's sample, hooks left out
    snapshot_every = 4
    applied: ClassVar[list[int]] = []

    def __init__(self) -> None:
        self.balance = 0
        self._history: list[int] = []  # private to the class, still its state

    def apply(self, event: object) -> None:
        if isinstance(event, Deposited):
            self.balance += event.amount
            self._history.append(event.amount)
            Account.applied.append(event.amount)

    async def receive(self, message: object) -> object:
        if isinstance(message, int):
            await self.persist(Deposited(message))
        return (self.balance, self._history)


async def test_the_instances_attributes_are_the_snapshot_and_come_back(tmp_path: Path) -> None:
    path = tmp_path / "bank.db"
    async with ActorSystem("bank", store=(store := SQLiteStore(path))) as system:
        acct = await system.spawn(Account, name="acct-42")
        for amount in range(1, 7):
            await acct.ask(amount)
        kept = await store.load_snapshot("/acct-42")
        assert kept is not None and kept.seq == 4
    Account.applied.clear()
    async with ActorSystem("bank", store=SQLiteStore(path)) as system:
        acct = await system.spawn(Account, name="acct-42")
        assert await acct.ask("get") == (21, [1, 2, 3, 4, 5, 6])
    assert Account.applied == [5, 6]  # recovery began at the snapshot, not at event 1


class Holder(Account):
    def __init__(self) -> None:
        super().__init__()
        self.lock = asyncio.Lock()  # a resource, not state: the default cannot keep it


async def test_an_attribute_the_codec_cannot_keep_is_named_with_what_to_do(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The persist that crosses the mark has stored its event: it returns (an error would
    have its asker send the command again, and the event be stored twice), and the snapshot
    not taken is logged, naming the attribute and what to do, and counted."""
    async with ActorSystem("bank", store=(store := actorkit.persistence.MemoryStore())) as system:
        holder = await system.spawn(Holder)
        for amount in range(1, 4):
            await holder.ask(amount)
        assert (await holder.ask(4))[
            0
        ] == 10  # the mark: its event is durable, the snapshot refused
        assert [e.amount for e in await journal(store, holder.path)] == [1, 2, 3, 4]
        assert await store.load_snapshot(holder.path) is None
        failures = system.metrics.registry.get_sample_value(
            "actorkit_persistence_failures_total",
            {"actor_type": "Holder", "operation": "snapshot", "kind": "error"},
        )
        assert failures == 1
    assert "default snapshot() of Holder" in caplog.text
    assert "['lock']" in caplog.text
    assert "define snapshot(self) and restore(self, snapshot)" in caplog.text


def test_one_hook_without_the_other_is_refused_at_the_class_statement() -> None:
    with pytest.raises(TypeError, match=r"defines snapshot\(\) but not restore\(\)"):

        class OnlySnapshot(Account):
            def snapshot(self) -> object:
                return self.balance

    with pytest.raises(TypeError, match=r"defines restore\(\) but not snapshot\(\)"):

        class OnlyRestore(Account):
            def restore(self, snapshot: Any) -> None:
                self.balance = snapshot


class Reworked(EventSourced):
    """A class whose earlier version kept its balance alone as its snapshot."""

    snapshot_every = 1

    def __init__(self) -> None:
        self.balance = 0

    def apply(self, event: Any) -> None:
        self.balance += event.amount

    async def receive(self, message: Any) -> Any:
        return self.balance


async def test_a_snapshot_the_default_restore_cannot_set_back_is_passed_over_for_the_journal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The journal holds every event the snapshot stands for: replayed, it gives the state
    this version of the class keeps, and the warning says why the snapshot was not used."""
    store = actorkit.persistence.MemoryStore()
    async with asyncio.timeout(10), ActorSystem("bank", store=store) as system:
        await store.append("/old", 0, [encode(Deposited(5))])
        await store.save_snapshot("/old", 1, encode(5))
        old = await system.spawn(Reworked, name="old")
        assert await old.ask("balance") == 5
    assert "snapshot 1 of '/old' was taken by an earlier shape of Reworked" in caplog.text
    assert "it is a int, not the dict of attributes" in caplog.text


class ListKeeper(EventSourced):
    """Version 1: its snapshot is a list."""

    snapshot_every = 1

    def __init__(self) -> None:
        self.balance = 0

    def apply(self, event: object) -> None:
        self.balance += event.amount if isinstance(event, Deposited) else 0

    def snapshot(self) -> object:
        return [self.balance]

    def restore(self, snapshot: Any) -> None:
        self.balance = snapshot[0]

    async def receive(self, message: object) -> object:
        await self.persist(Deposited(int(str(message))))
        return self.balance


class Delegating(ListKeeper):
    """Version 2: back to the attributes, through the defaults, its restore not told of the
    lists version 1 stored."""

    def snapshot(self) -> object:
        return EventSourced.snapshot(self)

    def restore(self, snapshot: Any) -> None:
        EventSourced.restore(self, snapshot)


async def test_the_default_restore_handed_an_earlier_version_s_snapshot_says_what_to_define(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    async with asyncio.timeout(10):
        async with ActorSystem("v1", store=SQLiteStore(path)) as system:
            await (await system.spawn(ListKeeper, name="a")).ask(5)
        async with ActorSystem("v2", store=SQLiteStore(path)) as system:
            with pytest.raises(TypeError) as failed:
                await system.spawn(Delegating, name="a")
    assert str(failed.value) == (
        "the stored snapshot of Delegating is a list, not the dict of attributes the default "
        "restore() sets back: define restore(self, snapshot) for what snapshot() used to return"
    )
