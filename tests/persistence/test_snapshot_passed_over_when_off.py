"""A snapshot passed over by an actor that takes none (`snapshot_every = 0`, snapshots turned
off since an earlier version took it): recovery replays the journal, and its warning does not
promise a new snapshot that no persist will take, since every later recovery passes the same
one over (docs/persistence.md, "Snapshots are passed over instead")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import EventSourced, MemoryStore
from actorkit.persistence._payload import encode

from .durable_support import Deposited

pytestmark = pytest.mark.timeout(30)


class Account(EventSourced):
    """Version 2: takes no snapshots, and sets `owner`, which version 1's snapshot lacks."""

    snapshot_every = 0

    def __init__(self) -> None:
        self.balance = 0
        self.owner = ""

    def apply(self, event: Any) -> None:
        self.balance += event.amount

    async def receive(self, message: object) -> object:
        if isinstance(message, int):
            await self.persist(Deposited(message))
        return self.balance


class Snapshotting(Account):
    snapshot_every = 1


async def _passed_over(cls: type[Account], caplog: pytest.LogCaptureFixture) -> str:
    """What recovering `cls` over a version 1 snapshot logs; it then persists once."""
    store = MemoryStore()
    async with asyncio.timeout(10), ActorSystem("bank", store=store) as system:
        await store.append("/acct", 0, [encode(Deposited(5))])
        await store.save_snapshot("/acct", 1, encode({"balance": 5}))
        acct = await system.spawn(cls, name="acct")
        assert await acct.ask(2) == 7
        snapshot = await store.load_snapshot("/acct")
        assert snapshot is not None
        assert snapshot.seq == (2 if cls.snapshot_every else 1)
    return caplog.text


async def test_the_warning_says_none_is_taken_when_snapshots_are_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = await _passed_over(Account, caplog)
    assert "snapshot 1 of '/acct' was taken by an earlier shape of Account" in text
    assert "next persist takes a snapshot" not in text
    assert "snapshot_every is 0" in text


async def test_the_warning_promises_the_next_snapshot_when_snapshots_are_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = await _passed_over(Snapshotting, caplog)
    assert "the actor's next persist takes a snapshot in its current shape" in text
