"""A read a store's user overrides keeps its say over what recovery gets, wherever the override
is made: on a subclass (`load_recovery` called directly too, which promises what the reads
return), on the store object itself, or on a shipped class patched at run time (a test's fault
injection), also after that class already recovered an actor. Classes made at run time are not
kept alive by the check."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import (
    EventSourced,
    MemoryStore,
    SQLiteStore,
    StoredEvent,
    StoredRecovery,
)
from actorkit.persistence._payload import encode
from actorkit.persistence._recovery import load_recovery

pytestmark = pytest.mark.timeout(60)


class Tally(EventSourced):
    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: Any) -> None:
        self.total += event

    async def receive(self, message: Any) -> Any:
        return self.total


async def unsealed(read: Any, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
    """The journal as a sealing store's `read` returns it: each payload's bytes reversed."""
    async for event in read(persistence_id, from_seq):
        yield StoredEvent(event.seq, event.time, event.payload[::-1])


class Sealed(SQLiteStore):
    """Seals its journal (reverses each payload) in `append` and unseals it in `read`, and
    does not override `load_recovery`."""

    async def append(self, persistence_id: str, expected_seq: int, payloads: Any) -> float:
        return await super().append(persistence_id, expected_seq, [p[::-1] for p in payloads])

    def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        return unsealed(super().read, persistence_id, from_seq)


async def events(store: Any, pid: str, loaded: StoredRecovery) -> list[bytes]:
    found = [event.payload for event in loaded.events]
    if loaded.more:
        found += [event.payload async for event in store.read(pid, loaded.read_on_from)]
    return found


async def sealed_journal(path: Path) -> None:
    async with Sealed(path) as store:
        await store.append("/t", 0, [encode(n) for n in (1, 2, 3)])


async def test_load_recovery_of_a_subclass_overriding_read_returns_what_read_returns(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sealed.db"
    async with asyncio.timeout(30):
        await sealed_journal(path)
        async with Sealed(path) as store:
            loaded = await store.load_recovery("/t", True)
            assert await events(store, "/t", loaded) == [e.payload async for e in store.read("/t")]
            assert await events(store, "/t", loaded) == [encode(n) for n in (1, 2, 3)]


class SealedInMemory(MemoryStore):
    """`Sealed` over the memory store, which answers `load_recovery` from its dicts."""

    async def append(self, persistence_id: str, expected_seq: int, payloads: Any) -> float:
        return await super().append(persistence_id, expected_seq, [p[::-1] for p in payloads])

    def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        return unsealed(super().read, persistence_id, from_seq)


async def test_load_recovery_of_a_memory_store_overriding_read_returns_what_read_returns() -> None:
    async with asyncio.timeout(30), SealedInMemory() as store:
        await store.append("/t", 0, [encode(n) for n in (1, 2, 3)])
        loaded = await store.load_recovery("/t", True)
        assert await events(store, "/t", loaded) == [encode(n) for n in (1, 2, 3)]
        async with ActorSystem(store=store) as system:
            ref = await system.spawn(Tally, name="t")
            assert await ref.ask("total") == 6


async def test_a_store_object_whose_read_is_replaced_is_recovered_through_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sealed.db"
    async with asyncio.timeout(30):
        await sealed_journal(path)
        store = SQLiteStore(path)
        plain = store.read

        def read(persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
            return unsealed(plain, persistence_id, from_seq)

        store.read = read  # type: ignore[method-assign]
        async with ActorSystem(store=store) as system:
            ref = await system.spawn(Tally, name="t")
            assert await ref.ask("total") == 6


async def test_a_class_patched_after_it_recovered_is_recovered_through_the_patch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "sealed.db"
    async with asyncio.timeout(30):
        await sealed_journal(path)
        async with SQLiteStore(path) as store:
            await load_recovery(store, "/other", True)  # its class checked unpatched
            plain = SQLiteStore.read
            monkeypatch.setattr(
                SQLiteStore,
                "read",
                lambda self, pid, from_seq=1: unsealed(plain.__get__(self), pid, from_seq),
            )
            loaded = await load_recovery(store, "/t", True)
            assert await events(store, "/t", loaded) == [encode(n) for n in (1, 2, 3)]


async def test_a_store_class_made_at_run_time_is_not_kept_alive(tmp_path: Path) -> None:
    made = type("Made", (SQLiteStore,), {})
    async with asyncio.timeout(30), made(tmp_path / "made.db") as store:
        await load_recovery(store, "/t", True)
    gone = weakref.ref(made)
    del made, store
    gc.collect()
    assert gone() is None
