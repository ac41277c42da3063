"""Shared pieces of the durable-actor tests: stores that outlive a system (a restart of the
"process" is a new system on the same data), a store that fails on demand, one that holds
each write until the test lets it through, and the events."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import actorkit
from actorkit.persistence import (
    EventSourced,
    MemoryStore,
    PersistenceError,
    PostgresStore,
    SQLiteStore,
    StoredEvent,
    StoredReminder,
)
from actorkit.persistence._payload import decode

from .postgres_server import PostgresServer

ShippedStore = MemoryStore | SQLiteStore | PostgresStore
"""The stores actorkit ships, what the fixtures make: the `Store` protocol and what
`StoreBase` and each of them add to it (`on_commit`, `max_payload`, `events`, `load_recovery`,
`async with`)."""
MakeStore = Callable[[], ShippedStore]

KINDS = ["memory", "sqlite", "postgres"]


class SharedMemoryStore(MemoryStore):
    """A MemoryStore that a system's shutdown leaves open, so that the next system sees the
    same data, as a new process would see the same database file."""

    async def close(self) -> None:
        """Kept open for the next system."""

    def another(self) -> SharedMemoryStore:
        """A new store object on the same data, as a second process opens the same database
        (a store object serves one running system)."""
        return copy.copy(self)  # shallow: the same journals, snapshots, states and reminders


class Turnstile(SharedMemoryStore):
    """Holds each append and state save until the test lets that one through: `calls` are
    the writes the store was asked for, in order; `passes[i]` lets the i-th commit."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[object] = []
        self.passes: list[asyncio.Event] = []
        self.called = asyncio.Event()
        self.failing: set[int] = set()
        """The writes, by index in `calls`, that fail with nothing stored (an outage)."""

    async def _turn(self, what: object) -> None:
        self.calls.append(what)
        index = len(self.passes)
        gate = asyncio.Event()
        self.passes.append(gate)
        self.called.set()
        await gate.wait()
        if index in self.failing:
            raise PersistenceError("the store is unreachable")

    async def called_for(self, count: int, *callers: asyncio.Future[Any]) -> None:
        """Back once the store was asked for `count` writes; a caller that ended first (a
        write refused) raises what it got instead of leaving the test to its timeout."""
        while len(self.calls) < count:
            self.called.clear()
            called = asyncio.ensure_future(self.called.wait())
            await asyncio.wait([called, *callers], return_when=asyncio.FIRST_COMPLETED)
            called.cancel()
            for caller in callers:
                if caller.done():
                    caller.result()
                    raise AssertionError(f"{caller} ended before the write it awaits")

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        await self._turn((expected_seq, [decode(p) for p in payloads]))
        return await super().append(persistence_id, expected_seq, payloads)

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        await self._turn((expected_revision, decode(payload)))
        return await super().save_state(persistence_id, expected_revision, payload)


class InDoubt(SharedMemoryStore):
    """Once `doubt` is set, its next reminder write commits and then reports failure: a
    connection lost before the commit's answer."""

    doubt = False

    async def put_reminder(self, persistence_id: str, reminder: StoredReminder) -> None:
        await super().put_reminder(persistence_id, reminder)
        self._lost()

    async def delete_reminder(self, persistence_id: str, key: str) -> bool:
        found = await super().delete_reminder(persistence_id, key)
        self._lost()
        return found

    def _lost(self) -> None:
        if self.doubt:
            self.doubt = False
            raise PersistenceError("the connection was lost before the commit's answer")


def store_maker(request: pytest.FixtureRequest, tmp_path: Path) -> MakeStore:
    """Each call a new store object on the test's own data, as each process would open."""
    kind = request.param
    if kind == "memory":
        shared = SharedMemoryStore()
        return shared.another
    if kind == "sqlite":
        return lambda: SQLiteStore(tmp_path / "journal.db")
    server: PostgresServer = request.getfixturevalue("postgres")
    dsn = server.fresh()
    return lambda: PostgresStore(dsn)


class FlakyStore(SharedMemoryStore):
    """Fails every write while `down` is set, as a database that is gone would; `gate`, when
    set, holds every read until opened (a slow recovery)."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.broken: Exception | None = None
        """Raised by appends as it is: a store that breaks its contract with a driver error."""
        self.gate: asyncio.Event | None = None
        self.reading = asyncio.Event()
        """Set when a read waits at the gate."""

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        if self.down:
            raise PersistenceError("the database is gone")
        if self.broken is not None:
            raise self.broken
        return await super().append(persistence_id, expected_seq, payloads)

    async def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        if self.gate is not None:
            self.reading.set()
            await self.gate.wait()
        async for stored in super().read(persistence_id, from_seq):
            yield stored


@actorkit.message("tests.persistence.Deposited")
@dataclass(frozen=True)
class Deposited:
    amount: int


class Teller(EventSourced):
    """Persists `message` deposits of 1 each; fails on "crash"."""

    def apply(self, event: Any) -> None:
        """The journal is the state."""

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash")
        await self.persist(*(Deposited(1) for _ in range(message)))


@dataclass(frozen=True)
class Unregistered:
    amount: int


async def journal(store: ShippedStore, persistence_id: str) -> list[Any]:
    return [event async for _, _, event in store.events(persistence_id)]


async def deposits(store: ShippedStore, persistence_id: str) -> list[tuple[int, int]]:
    """`(seq, amount)` of each event of a journal of `Deposited` events."""
    rows = []
    async for seq, _, event in store.events(persistence_id):
        assert isinstance(event, Deposited), f"{persistence_id}: event {seq} is {event!r}"
        rows.append((seq, event.amount))
    return rows
