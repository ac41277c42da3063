"""The system's store as its durable actors and agent history call it when the system's clock
waits for store calls (`ManualClock`): each call counted in the clock's `StoreCalls` while it
is in flight, so that `settle` and `advance` wait for it. Opening and closing are the
system's, not an actor's, and are not counted."""

from __future__ import annotations

import reprlib
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractContextManager

from .._store_calls import StoreCalls
from ._recovery import load_recovery
from ._store import (
    Store,
    StoredEvent,
    StoredRecovery,
    StoredReminder,
    StoredSnapshot,
    StoredState,
)


class CountedStore:
    __slots__ = ("_calls", "_name", "_store")

    def __init__(self, store: Store, calls: StoreCalls) -> None:
        self._store = store
        self._calls = calls
        self._name = type(store).__name__

    def _call(self, method: str, persistence_id: object) -> AbstractContextManager[None]:
        return self._calls.call(f"{self._name}.{method}({reprlib.repr(persistence_id)})")

    async def open(self) -> None:
        await self._store.open()

    async def close(self) -> None:
        await self._store.close()

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        with self._call("append", persistence_id):
            return await self._store.append(persistence_id, expected_seq, payloads)

    async def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        """Counted while each row is awaited: between rows the reader (a recovery applying
        events) is the one working."""
        rows = aiter(self._store.read(persistence_id, from_seq))
        while True:
            with self._call("read", persistence_id):
                try:
                    row = await anext(rows)
                except StopAsyncIteration:
                    return
            yield row

    async def highest_seq(self, persistence_id: str) -> int:
        with self._call("highest_seq", persistence_id):
            return await self._store.highest_seq(persistence_id)

    async def save_snapshot(self, persistence_id: str, seq: int, payload: bytes) -> None:
        with self._call("save_snapshot", persistence_id):
            await self._store.save_snapshot(persistence_id, seq, payload)

    async def load_snapshot(self, persistence_id: str) -> StoredSnapshot | None:
        with self._call("load_snapshot", persistence_id):
            return await self._store.load_snapshot(persistence_id)

    async def load_recovery(self, persistence_id: str, journal: bool) -> StoredRecovery:
        """One call, as the store takes it (the store's reads, for one without its own)."""
        with self._call("load_recovery", persistence_id):
            return await load_recovery(self._store, persistence_id, journal)

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        with self._call("save_state", persistence_id):
            return await self._store.save_state(persistence_id, expected_revision, payload)

    async def load_state(self, persistence_id: str) -> StoredState | None:
        with self._call("load_state", persistence_id):
            return await self._store.load_state(persistence_id)

    async def put_reminder(self, persistence_id: str, reminder: StoredReminder) -> None:
        with self._call("put_reminder", persistence_id):
            await self._store.put_reminder(persistence_id, reminder)

    async def delete_reminder(self, persistence_id: str, key: str) -> bool:
        with self._call("delete_reminder", persistence_id):
            return await self._store.delete_reminder(persistence_id, key)

    async def reminders(self, persistence_id: str) -> list[StoredReminder]:
        with self._call("reminders", persistence_id):
            return await self._store.reminders(persistence_id)
