"""A snapshot past the end of its journal: the snapshots restored from a newer backup than
the journals (docs/persistence.md, "Restoring a backup"), or the events after a snapshot
deleted by hand. Restoring it would give the actor events its journal no longer holds, and
every write after it would be refused as a conflict, its restarts recovering the same
snapshot until the supervisor gave up. The recovery fails instead, saying what to do."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import (
    PersistenceError,
    Store,
    StoredEvent,
    StoredRecovery,
    StoredSnapshot,
)
from actorkit.persistence._payload import encode

from .durable_support import SharedMemoryStore
from .event_sourced_support import Summing

pytestmark = pytest.mark.timeout(60)


class Adding(Summing):
    snapshot_every = 4

    async def receive(self, message: Any) -> Any:
        if message != "total":
            await self.persist(message)
        return self.total


async def _journal_behind_its_snapshot(store: Store, events: int) -> None:
    """Events 1 to `events` (1 each) and a snapshot at 4 holding their total then, 10."""
    if events:
        await store.append("/a", 0, [encode(1)] * events)
    await store.save_snapshot("/a", 4, encode(10))


@pytest.mark.parametrize("events", [3, 2, 0])
async def test_a_snapshot_past_its_journal_fails_the_recovery(
    make: Callable[[], Store], events: int
) -> None:
    async with asyncio.timeout(30):
        async with make() as store:  # type: ignore[attr-defined]
            await _journal_behind_its_snapshot(store, events)
        async with ActorSystem("s", store=make()) as system:
            with pytest.raises(PersistenceError) as refused:
                await system.spawn(Adding, name="a")
            assert system.lookup("/a") is None
        said = str(refused.value)
        assert "the snapshot of '/a' is at sequence number 4" in said
        assert f"its journal ends at {events}" in said
        assert "restore the snapshots and journals from one backup" in said
        async with make() as store:  # type: ignore[attr-defined]
            kept = await store.load_snapshot("/a")
            assert kept is not None and kept.seq == 4  # a recovery writes nothing
            assert [stored.seq async for stored in store.read("/a")] == list(range(1, events + 1))


async def test_a_snapshot_at_the_end_of_its_journal_recovers(make: Callable[[], Store]) -> None:
    async with asyncio.timeout(30):
        async with make() as store:  # type: ignore[attr-defined]
            await _journal_behind_its_snapshot(store, 4)
        async with ActorSystem("s", store=make()) as system:
            adding = await system.spawn(Adding, name="a")
            assert await adding.ask("total") == 10
            assert await adding.ask(5) == 15


async def test_another_ids_longer_journal_does_not_hide_it(make: Callable[[], Store]) -> None:
    """Where a journal ends is its own id's: another id's events past the snapshot do not
    make up for those missing from this one's."""
    async with asyncio.timeout(30):
        async with make() as store:  # type: ignore[attr-defined]
            await _journal_behind_its_snapshot(store, 2)
            await store.append("/b", 0, [encode(1)] * 6)
        async with ActorSystem("s", store=make()) as system:
            with pytest.raises(PersistenceError, match="its journal ends at 2"):
                await system.spawn(Adding, name="a")


async def test_where_the_journal_ends_is_not_compared(make: Callable[[], Store]) -> None:
    """A recovery read compares equal to one built from what it holds, as a test of one's
    own store writes it: `highest_seq` says what the check needs, not what is recovered."""
    async with asyncio.timeout(30), make() as store:  # type: ignore[attr-defined]
        await _journal_behind_its_snapshot(store, 4)
        loaded = await store.load_recovery("/a", True)
        assert loaded.highest_seq == 4
        assert loaded == StoredRecovery(StoredSnapshot(4, encode(10)), [], False, None, [])


class OwnStore(SharedMemoryStore):
    """A store of one's own: the protocol's reads, no `load_recovery` (recovery composes it
    from them), the reads counted."""

    load_recovery = None  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[int] = []

    async def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        self.reads.append(from_seq)
        async for stored in super().read(persistence_id, from_seq):
            yield stored


@pytest.mark.parametrize("events", [4, 6])
async def test_a_store_of_ones_own_costs_no_read_more(events: int) -> None:
    """It says nothing of where its journal ends (`highest_seq` None), so it is not checked:
    its recovery reads the events after the snapshot and no more."""
    async with asyncio.timeout(30):
        store = OwnStore()
        await store.open()
        await _journal_behind_its_snapshot(store, events)
        async with ActorSystem("s", store=store.another()) as system:
            adding = await system.spawn(Adding, name="a")
            assert await adding.ask("total") == 10 + (events - 4)
        assert store.reads == [5]
