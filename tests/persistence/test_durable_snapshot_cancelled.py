"""A persist whose events were stored and that is cancelled while its snapshot is being
saved (a timeout around it firing then) leaves that snapshot owed, as one cancelled once its
events were stored does: the instance's next persist that returns takes it. Dropped (a SQL
store drops a write whose caller is cancelled before its batch takes it), it would wait for
the next mark, and recovery replay up to twice `snapshot_every` events."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import MemoryStore
from actorkit.persistence._payload import decode
from actorkit.testing import instance

from .event_sourced_support import Summing

pytestmark = pytest.mark.timeout(30)


class HeldSnapshots(MemoryStore):
    """Its snapshot saves wait for `release` while `hold` is set (`saving` says one does);
    one cancelled there is not saved."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = False
        self.saving = asyncio.Event()
        self.release = asyncio.Event()

    async def save_snapshot(self, persistence_id: str, seq: int, payload: bytes) -> None:
        if self.hold:
            self.saving.set()
            await self.release.wait()
        await super().save_snapshot(persistence_id, seq, payload)


class Snapshotting(Summing):
    snapshot_every = 2

    async def receive(self, message: Any) -> Any:
        return self.total


async def test_a_persist_cancelled_while_its_snapshot_is_saved_leaves_it_owed() -> None:
    store = HeldSnapshots()
    async with asyncio.timeout(10), ActorSystem("s", store=store, metrics=False) as system:
        live = instance(await system.spawn(Snapshotting, name="a"))
        assert isinstance(live, Snapshotting)
        await live.persist(1)
        store.hold = True
        crossing = asyncio.ensure_future(live.persist(10))  # seq 2: a mark
        await store.saving.wait()
        crossing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await crossing
        assert live.total == 11  # its events were stored and applied
        assert await store.load_snapshot("/a") is None
        store.hold = False
        await live.persist(100)  # seq 3, no mark: takes the snapshot owed
        snapshot = await store.load_snapshot("/a")
        assert snapshot is not None
        assert (snapshot.seq, decode(snapshot.payload)) == (3, 111)
