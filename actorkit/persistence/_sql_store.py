"""What the SQL stores share: the protocol's methods over a dialect's queries, every write
through the group commit, reads in pages. A store adds its connections and its SQL."""

from __future__ import annotations

import asyncio
from abc import abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from .._errors import PersistenceError
from .._shielded import shielded
from .._shown import shown
from ._base import (
    StoreBase,
    append_seq,
    check_append,
    check_count,
    check_id,
    check_key,
    check_recovery,
    check_reminder,
    check_snapshot,
    check_state,
    closed_store,
)
from ._batch import TxT
from ._group_commit import GroupCommit
from ._recovery import composed, from_rows, reads_its_own
from ._store import (
    Store,
    StoredEvent,
    StoredRecovery,
    StoredReminder,
    StoredSnapshot,
    StoredState,
)

T = TypeVar("T")

PAGE = 4096
"""Events per read query at most."""
PAGE_BYTES = 16 * 2**20
"""Bytes of events per read query at most, whatever their count: a page of 4,096 events of
1 MB each would otherwise sit in memory whole while a recovery applies them one at a time.
An event alone larger than that is a page by itself, so a read always moves on."""


@dataclass(frozen=True, slots=True)
class Queries:
    """A dialect's statements; parameters in the order of the comments."""

    # a page: events in order, up to `limit` and while the bytes before each are under `size`
    read_page: str  # persistence_id, from_seq, limit, size -> seq, time, payload
    highest: str  # persistence_id -> max(seq)
    load_snapshot: str  # persistence_id -> seq, payload
    save_snapshot: str  # persistence_id, seq, payload; keeps the one with the higher seq
    load_state: str  # persistence_id -> revision, payload
    put_reminder: str  # persistence_id, key, due, every, payload; replaces
    delete_reminder: str  # persistence_id, key
    reminders: str  # persistence_id -> key, due, every, payload, by key
    # -> `_recovery.from_rows`, each with the reminders and whether the other kind's rows exist
    recover_journal: str  # persistence_id, limit, size -> snapshot, a page of events after it
    recover_state: str  # persistence_id -> state


class SQLStore(StoreBase, Generic[TxT]):
    queries: Queries
    """A dialect's statements: the class's, or an instance's for a file it reads as it is."""

    def __init__(self) -> None:
        self._commits: GroupCommit[TxT] | None = None
        self._closed = False
        self._read_only = False
        self._closing: asyncio.Future[None] | None = None
        self._opening = asyncio.Lock()
        """Held while connecting and while closing: a second `open` waits for the first's
        connections instead of making its own, and a `close` during an `open` closes what that
        open connected (no store left writable, or connections left open, after `close`)."""

    @abstractmethod
    async def _connect(self) -> GroupCommit[TxT]:
        """Connects, creates or checks the schema; the group commit over the writer."""

    @abstractmethod
    async def _connect_read_only(self) -> None:
        """Connects for reading only: creates nothing, writes nothing, checks the schema."""

    @abstractmethod
    async def _disconnect(self) -> None: ...

    @abstractmethod
    async def _fetch(self, query: str, *args: object) -> Sequence[Sequence[Any]]:
        """Rows of a read, outside any write transaction."""

    @staticmethod
    @abstractmethod
    async def _execute(tx: TxT, query: str, *args: object) -> int:
        """Runs a statement in the batch's transaction; the number of rows it changed."""

    async def open(self) -> None:
        async with self._opening:
            if self._closed:
                raise closed_store(self)
            if self._read_only:  # its reads (a file of version 1: the journal alone) stay
                raise PersistenceError(
                    f"{shown(self)} is open read-only: to write, use a new store object"
                )
            if self._commits is None:
                self._commits = await self._connect()

    async def open_read_only(self) -> None:
        """For a tool that only reads (the journal command): pointed at the wrong file or
        database, it must change nothing there (no file, schema or journal mode created) and
        say that it is not a store. Reads work as after `open`; writes are refused."""
        async with self._opening:
            if self._closed:
                raise closed_store(self)
            if self._commits is None and not self._read_only:
                await self._connect_read_only()
                self._read_only = True

    async def close(self) -> None:
        """Once, in a task of its own: a caller cancelled while it waits (for the writes in
        flight, say) leaves the store closing, never with its connections left open."""
        self._closed = True
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close())
        await asyncio.shield(self._closing)

    async def _close(self) -> None:
        """Cancelled while it drains (the loop ending: `asyncio.run` cancels every task left),
        it still disconnects: a connection left open keeps its file handles, a PostgreSQL
        session and an aiosqlite thread waiting for a next call that never comes."""
        async with self._opening:
            commits, self._commits = self._commits, None
            read_only, self._read_only = self._read_only, False
            try:
                if commits is not None:
                    await commits.drain()
            finally:
                if commits is not None or read_only:
                    await self._disconnect()

    def _writes(self) -> GroupCommit[TxT]:
        if self._commits is None:
            if self._closed:
                raise closed_store(self)
            if self._read_only:
                raise PersistenceError(f"{shown(self)} is open read-only")
            raise PersistenceError(
                f"{shown(self)} is not open: `await store.open()` or `async with`"
            )
        return self._commits

    async def _rows(self, query: str, *args: object) -> Sequence[Sequence[Any]]:
        if not self._read_only:
            self._writes()
        return await self._fetch(query, *args)

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        if type(expected_seq) is not int:
            expected_seq = append_seq(persistence_id, expected_seq)
        size = check_append(persistence_id, expected_seq, payloads, self.max_payload)
        writes = self._commits or self._writes()  # the call only to say why there are none
        written = writes.append(persistence_id, expected_seq, payloads, size)
        try:  # `_outcome`, written out: no coroutine per append
            return await written
        except asyncio.CancelledError:
            with shielded():  # from an anyio scope, which cancels again at every loop turn
                await writes.settled()
            raise

    def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        check_id(persistence_id)
        return self._read(persistence_id, check_count("from_seq", from_seq))

    async def _read(self, persistence_id: str, from_seq: int) -> AsyncIterator[StoredEvent]:
        seq = max(from_seq, 1)
        while True:
            query = self.queries.read_page
            rows = await self._rows(query, persistence_id, seq, PAGE, PAGE_BYTES)
            for row in rows:
                yield StoredEvent(*row)
            if len(rows) < PAGE and sum(len(row[2]) for row in rows) < PAGE_BYTES:
                return  # a full page costs no sum: the last one, or one cut by bytes, does
            seq = rows[-1][0] + 1
            del rows  # not held while the next page loads

    async def highest_seq(self, persistence_id: str) -> int:
        check_id(persistence_id)
        rows = await self._rows(self.queries.highest, persistence_id)
        return int(rows[0][0] or 0)

    async def load_recovery(self, persistence_id: str, journal: bool) -> StoredRecovery:
        """One query, one statement's consistent view: the snapshot and the first page of
        events after it (`PAGE`, `PAGE_BYTES`), or the state, and the reminders. A subclass
        or store object that overrides one of those reads and not this is answered through
        its reads instead (`composed`): this returns what they return, as the protocol
        promises."""
        check_recovery(persistence_id, journal)
        if not reads_its_own(self):
            return await composed(cast("Store", self), persistence_id, journal)
        if journal:
            query = self.queries.recover_journal
            rows = await self._rows(query, persistence_id, PAGE, PAGE_BYTES)
        else:
            rows = await self._rows(self.queries.recover_state, persistence_id)
        return from_rows(rows, journal, PAGE, PAGE_BYTES)

    async def save_snapshot(self, persistence_id: str, seq: int, payload: bytes) -> None:
        seq = check_snapshot(persistence_id, seq, payload, self.max_payload)
        query = self.queries.save_snapshot
        writes = self._writes()
        await _outcome(
            writes,
            writes.other(
                persistence_id,
                lambda tx: self._execute(tx, query, persistence_id, seq, payload),
                len(payload),
            ),
        )

    async def load_snapshot(self, persistence_id: str) -> StoredSnapshot | None:
        check_id(persistence_id)
        rows = await self._rows(self.queries.load_snapshot, persistence_id)
        return StoredSnapshot(*rows[0]) if rows else None

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        expected_revision = check_state(
            persistence_id, expected_revision, payload, self.max_payload
        )
        writes = self._writes()
        return await _outcome(writes, writes.save_state(persistence_id, expected_revision, payload))

    async def load_state(self, persistence_id: str) -> StoredState | None:
        check_id(persistence_id)
        rows = await self._rows(self.queries.load_state, persistence_id)
        return StoredState(*rows[0]) if rows else None

    async def put_reminder(self, persistence_id: str, reminder: StoredReminder) -> None:
        r = check_reminder(persistence_id, reminder, self.max_payload)  # SQLite: int64 otherwise
        query = self.queries.put_reminder
        writes = self._writes()
        await _outcome(
            writes,
            writes.other(
                persistence_id,
                lambda tx: self._execute(
                    tx, query, persistence_id, r.key, r.due, r.every, r.payload
                ),
                len(r.payload),
            ),
        )

    async def delete_reminder(self, persistence_id: str, key: str) -> bool:
        check_key(persistence_id, key, deleting=True)
        query = self.queries.delete_reminder
        writes = self._writes()
        deleted = await _outcome(
            writes,
            writes.other(persistence_id, lambda tx: self._execute(tx, query, persistence_id, key)),
        )
        return deleted != 0

    async def reminders(self, persistence_id: str) -> list[StoredReminder]:
        check_id(persistence_id)
        rows = await self._rows(self.queries.reminders, persistence_id)
        return [StoredReminder(*row) for row in rows]


async def _outcome(writes: GroupCommit[Any], written: asyncio.Future[T]) -> T:
    """The write's outcome. A caller cancelled meanwhile returns (with its cancellation) only
    once the write is committed or never will be, so that what it reads next is the truth: a
    cancelled durable actor reads back what it wrote to learn which (docs/persistence.md)."""
    try:
        return await written
    except asyncio.CancelledError:
        with shielded():  # from an anyio scope, which cancels again at every loop turn
            await writes.settled()
        raise
