"""Shared pieces of the durable-actor tests: stores that outlive a system (a restart of the
"process" is a new system on the same data), a store that fails on demand, and the events."""

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
    MemoryStore,
    PersistenceError,
    PostgresStore,
    SQLiteStore,
    Store,
    StoredEvent,
)

from .postgres_server import PostgresServer

MakeStore = Callable[[], Store]

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


@dataclass(frozen=True)
class Unregistered:
    amount: int


async def journal(store: Store, persistence_id: str) -> list[Any]:
    return [event async for _, _, event in store.events(persistence_id)]
