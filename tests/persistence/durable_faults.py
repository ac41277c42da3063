"""Stores whose writes fail when a handler arms a fault for its next write (`Faults`), where a
real database would fail: `lost` before anything is written, `commit` at the transaction's
COMMIT (rolled back), `doubt` after the COMMIT, as a connection lost before its answer
(written, but reported failed), `snapshot` in the snapshot's write. On SQLite and PostgreSQL
the fault is raised inside the group commit's transaction, so it fails the whole batch that
carried the write: the other actors' writes in it fail with it."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from actorkit.persistence import (
    PersistenceError,
    PostgresStore,
    SQLiteStore,
    StoredEvent,
    StoredRecovery,
    StoredReminder,
    StoredSnapshot,
    StoredState,
)
from actorkit.persistence._group_commit import GroupCommit
from actorkit.persistence._sql_store import SQLStore

from .durable_support import SharedMemoryStore

if TYPE_CHECKING:
    from .durable_model_support import Cmd

T = TypeVar("T")


@dataclass
class Faults:
    writes: dict[str, tuple[int, str]] = field(default_factory=dict)
    """By persistence id, the command whose next write fails, and how."""
    calls: dict[str, tuple[int, str]] = field(default_factory=dict)
    """By persistence id, the command whose next snapshot write (`snapshot`) or read
    (`unread`: a cancelled write's read-back, on SQLite) fails."""
    fired: dict[int, str] = field(default_factory=dict)
    """The faults that took effect, by command."""
    reads: dict[str, tuple[str, int]] = field(default_factory=dict)
    """By persistence id, which of its reads fails (`READS`), and how many times more."""
    failed_reads: int = 0

    def arm(self, persistence_id: str, cmd: Cmd) -> None:
        if cmd.fault in ("snapshot", "unread"):
            self.calls[persistence_id] = (cmd.id, cmd.fault)
        elif cmd.fault is not None:
            self.writes[persistence_id] = (cmd.id, cmd.fault)

    def disarm(self, persistence_id: str) -> None:
        self.writes.pop(persistence_id, None)
        self.calls.pop(persistence_id, None)

    async def write(self, persistence_id: str, write: Callable[..., Awaitable[T]], *args: Any) -> T:
        """A `MemoryStore` write under its armed fault (each write is its own commit there)."""
        armed = self.writes.get(persistence_id)
        if armed is None:
            return await write(persistence_id, *args)
        cmd, mode = armed
        if mode == "doubt":
            await write(persistence_id, *args)
            self.fired[cmd] = mode
            raise PersistenceError("injected: the connection was lost before the commit's answer")
        self.fired[cmd] = mode
        raise PersistenceError(f"injected: the write failed ({mode})")

    def read(self, persistence_id: str, which: str) -> None:
        armed = self.reads.get(persistence_id)
        if armed is None or armed[0] != which:
            return
        if armed[1] > 1:
            self.reads[persistence_id] = (which, armed[1] - 1)
        else:
            del self.reads[persistence_id]
        self.failed_reads += 1
        raise PersistenceError(f"injected: reading the {which} of {persistence_id!r} failed")

    async def events(
        self, persistence_id: str, events: AsyncIterator[StoredEvent]
    ) -> AsyncIterator[StoredEvent]:
        """`events`, failing after one of them or at their end as `reads` says."""
        async for stored in events:
            yield stored
            self.read(persistence_id, "events")
        self.read(persistence_id, "events")

    def call(self, persistence_id: str, mode: str) -> None:
        armed = self.calls.get(persistence_id)
        if armed is not None and armed[1] == mode:
            self.fired[armed[0]] = mode
            raise PersistenceError(f"injected: the store failed ({mode})")


READS = {"snapshot", "events", "state", "reminders"}
"""What a recovery reads: a `Faults.reads` fault fails one of them (the events after the first
one read, or at their end: after a partial replay). On the SQL stores, which read them all in
one query (`load_recovery`), a fault of the snapshot, the state or the reminders fails that
query; one of the events has it return the first event alone, leaving the rest to `read`,
which fails part way as above."""


class FaultyMemoryStore(SharedMemoryStore):
    """Its writes and reads fail as `faults` says."""

    def __init__(self, faults: Faults) -> None:
        super().__init__()
        self.faults = faults

    async def load_snapshot(self, persistence_id: str) -> StoredSnapshot | None:
        self.faults.read(persistence_id, "snapshot")
        return await super().load_snapshot(persistence_id)

    async def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        async for stored in self.faults.events(
            persistence_id, super().read(persistence_id, from_seq)
        ):
            yield stored

    async def load_state(self, persistence_id: str) -> StoredState | None:
        self.faults.read(persistence_id, "state")
        return await super().load_state(persistence_id)

    async def reminders(self, persistence_id: str) -> list[StoredReminder]:
        self.faults.read(persistence_id, "reminders")
        return await super().reminders(persistence_id)

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        return await self.faults.write(persistence_id, super().append, expected_seq, payloads)

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        return await self.faults.write(
            persistence_id, super().save_state, expected_revision, payload
        )

    async def save_snapshot(self, persistence_id: str, seq: int, payload: bytes) -> None:
        self.faults.call(persistence_id, "snapshot")
        await super().save_snapshot(persistence_id, seq, payload)


class FaultyTransaction:
    """A batch's transaction whose rows of a persistence id with an armed fault fail it: at
    once (`lost`, and `commit` for a lone statement that is its own commit), or once its
    statements ran (`pending`: at COMMIT, or after it)."""

    def __init__(self, tx: Any, store: FaultySQL, alone: bool) -> None:
        self.tx = tx
        self.store = store
        self.faults = store.faults
        self.alone = alone
        self.pending: tuple[int, str] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.tx, name)

    def _check(self, rows: Sequence[tuple[Any, ...]]) -> None:
        armed = next((self.faults.writes[r[0]] for r in rows if r[0] in self.faults.writes), None)
        if armed is None or self.pending is not None:
            return
        cmd, mode = armed
        autocommits = self.alone and (len(rows) == 1 or self.store.one_statement)
        if mode == "lost" or (mode == "commit" and autocommits):
            self.faults.fired[cmd] = mode
            raise self.store.failure("disk I/O error (injected)")
        self.pending = armed

    async def insert_events(self, rows: Sequence[tuple[str, int, float, bytes]]) -> None:
        self._check(rows)
        await self.tx.insert_events(rows)

    async def insert_if_latest(self, rows: Sequence[tuple[str, int, float, bytes, int]]) -> int:
        self._check(rows)
        inserted: int = await self.tx.insert_if_latest(rows)
        return inserted

    async def write_states(self, rows: Sequence[tuple[str, int, bytes, int]]) -> None:
        self._check(rows)
        await self.tx.write_states(rows)


class FaultySQL(SQLStore[Any]):
    """A SQL store (its class follows this one in the bases, and its `_connect` hands its
    group commit to `_faulty`) failing as `Faults` says."""

    faults: Faults
    failure: type[Exception]
    """What its driver raises for a failed statement."""
    one_statement: bool
    """A lone write is one statement, its own commit, whatever rows it writes (SQLite opens
    a transaction for more than one row)."""

    def _faulty(self, commits: GroupCommit[Any]) -> GroupCommit[Any]:
        begin = commits._begin  # noqa: SLF001 - the batch's transaction, where a database fails
        commits._begin = lambda alone: self._transaction(begin(alone), alone)  # noqa: SLF001
        return commits

    @asynccontextmanager
    async def _transaction(
        self, opening: AbstractAsyncContextManager[Any], alone: bool
    ) -> AsyncIterator[FaultyTransaction]:
        async with opening as tx:
            faulty = FaultyTransaction(tx, self, alone)
            yield faulty
            if faulty.pending is not None and faulty.pending[1] == "commit":
                self.faults.fired[faulty.pending[0]] = "commit"
                raise self.failure("disk I/O error at COMMIT (injected)")
        if faulty.pending is not None:
            self.faults.fired[faulty.pending[0]] = "doubt"
            raise PersistenceError("injected: the connection was lost before the COMMIT's answer")

    async def save_snapshot(self, persistence_id: str, seq: int, payload: bytes) -> None:
        self.faults.call(persistence_id, "snapshot")
        await super().save_snapshot(persistence_id, seq, payload)

    async def load_snapshot(self, persistence_id: str) -> StoredSnapshot | None:
        self.faults.read(persistence_id, "snapshot")
        return await super().load_snapshot(persistence_id)

    async def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        self.faults.call(persistence_id, "unread")
        async for stored in self.faults.events(
            persistence_id, super().read(persistence_id, from_seq)
        ):
            yield stored

    async def load_state(self, persistence_id: str) -> StoredState | None:
        self.faults.call(persistence_id, "unread")
        self.faults.read(persistence_id, "state")
        return await super().load_state(persistence_id)

    async def reminders(self, persistence_id: str) -> list[StoredReminder]:
        self.faults.read(persistence_id, "reminders")
        return await super().reminders(persistence_id)

    async def load_recovery(self, persistence_id: str, journal: bool) -> StoredRecovery:
        faults = self.faults
        for which in ("snapshot", "reminders") if journal else ("state", "reminders"):
            faults.read(persistence_id, which)
        loaded = await super().load_recovery(persistence_id, journal)
        armed = faults.reads.get(persistence_id)
        if journal and armed is not None and armed[0] == "events":
            return dataclasses.replace(loaded, events=loaded.events[:1], more=True)
        return loaded


class FaultySQLiteStore(FaultySQL, SQLiteStore):
    failure = sqlite3.OperationalError
    one_statement = False

    def __init__(self, path: str, faults: Faults) -> None:
        super().__init__(path, synchronous="NORMAL")
        self.faults = faults

    async def _connect(self) -> GroupCommit[Any]:
        return self._faulty(await super()._connect())


class FaultyPostgresStore(FaultySQL, PostgresStore):
    failure = ConnectionResetError  # a network error, as asyncpg raises it
    one_statement = True

    def __init__(self, dsn: str, faults: Faults) -> None:
        super().__init__(dsn)
        self.faults = faults

    async def _connect(self) -> GroupCommit[Any]:
        return self._faulty(await super()._connect())
