"""Group commit, shared by the SQL stores: the writes waiting at one moment go to the database
in one transaction, and each caller returns only after the commit that carried its write.

One batch is one transaction. First optimistically: insert every append's events with one
statement that checks each expectation as it goes; when every row went in, that was the whole
check. When one did not (a stale writer, or a cross-process race on the primary key), the
transaction is rolled back and the batch redone carefully: read the latest sequence number of
every journal it touches, decide in Python which appends still match, insert those. A write
whose expectation is stale then fails alone with `PersistenceConflict`; the others commit.
States are always checked first (their revisions read `FOR UPDATE` where the database locks
rows), then upserted; other writes (snapshots, reminders) run last. A database error fails the
whole batch, so nothing is half-written. A writer in another process can still slip in between
the careful read and the insert on a server that does not lock the database for the
transaction (PostgreSQL): the primary key then refuses a row (`WriteRace`) and the writes are
retried one transaction each, where the same race means that write lost it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast

from .._errors import PersistenceError
from ._base import append_conflict, race_conflict, state_conflict

_log = logging.getLogger("actorkit.persistence")

MAX_BATCH = 500
KNOWN_HEADS = 65_536
"""Journals whose latest sequence number this store remembers (the most recently written)."""
"""Writes per transaction: bounds a statement's parameter count and a commit's latency."""


class WriteRace(Exception):
    """A row another process committed first refused one of the batch's rows."""


class _Recheck(Exception):
    """The optimistic insert did not insert every row: redo the batch the careful way."""


class Transaction(Protocol):
    """What the batch needs of one open transaction of a SQL store."""

    async def highest(self, ids: Sequence[str]) -> dict[str, int]: ...

    async def revisions(self, ids: Sequence[str]) -> dict[str, int]: ...

    async def insert_events(self, rows: Sequence[tuple[str, int, float, bytes]]) -> None: ...

    async def insert_if_latest(self, rows: Sequence[tuple[str, int, float, bytes, int]]) -> int:
        """Inserts `(id, seq, time, payload)` where event `expected` (the fifth) exists or is
        0; how many rows it inserted. A duplicate key raises `WriteRace`."""

    async def write_states(self, rows: Sequence[tuple[str, int, bytes]]) -> None: ...


TxT = TypeVar("TxT", bound=Transaction)
Begin = Callable[[bool], AbstractAsyncContextManager[TxT]]
"""Opens a transaction: commits when the block ends, rolls back when it raises; raises
`PersistenceError` for a database failure and `WriteRace` for a refused duplicate row. The
flag says the block runs one statement, which a database may run as its own transaction."""


@dataclass(slots=True)
class _Write(Generic[TxT]):
    future: asyncio.Future[Any]
    persistence_id: str = ""
    expected: int = 0
    payloads: Sequence[bytes] = ()
    state: bytes | None = None
    other: Callable[[TxT], Awaitable[object]] | None = None
    outcome: object = field(default=None)
    error: BaseException | None = None


class GroupCommit(Generic[TxT]):
    """The write queue of one SQL store and the task that flushes it."""

    def __init__(self, begin: Begin[TxT], observe: Callable[[int, float], None]) -> None:
        self._begin = begin
        self._observe = observe
        self._pending: list[_Write[TxT]] = []
        self._heads: dict[str, int] = {}
        """The latest sequence number of journals this store committed to: for those the
        optimistic insert needs no lookup (journals only grow, and the primary key refuses a
        sequence number written since)."""
        self._flusher: asyncio.Task[None] | None = None

    async def append(self, persistence_id: str, expected: int, payloads: Sequence[bytes]) -> float:
        future = asyncio.get_running_loop().create_future()
        return cast(float, await self._submit(_Write(future, persistence_id, expected, payloads)))

    async def save_state(self, persistence_id: str, expected: int, payload: bytes) -> int:
        future = asyncio.get_running_loop().create_future()
        write: _Write[TxT] = _Write(future, persistence_id, expected, state=payload)
        return cast(int, await self._submit(write))

    async def other(self, run: Callable[[TxT], Awaitable[object]]) -> object:
        """A write with no expectation to check (snapshots, reminders), in the next batch."""
        return await self._submit(_Write(asyncio.get_running_loop().create_future(), other=run))

    async def drain(self) -> None:
        """Wait until every write submitted so far is committed or failed."""
        while self._flusher is not None:
            await asyncio.shield(self._flusher)

    async def _submit(self, write: _Write[TxT]) -> object:
        self._pending.append(write)
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush())
        return await write.future

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch = [write for write in self._pending[:MAX_BATCH] if not write.future.done()]
                del self._pending[:MAX_BATCH]
                if batch:
                    await self._commit(batch)
        finally:
            self._flusher = None
            for write in self._pending:  # only after a failure of the flusher itself
                _settle(write, PersistenceError("the store's writer stopped"))
            self._pending.clear()

    async def _commit(self, batch: list[_Write[TxT]]) -> None:
        try:
            await self._timed(batch, careful=False)
        except (_Recheck, WriteRace):
            try:
                await self._timed(batch, careful=True)
            except WriteRace:
                for write in batch:
                    try:
                        await self._timed([write], careful=True)
                    except WriteRace:
                        _settle(write, race_conflict(write.persistence_id))

    async def _timed(self, batch: list[_Write[TxT]], careful: bool) -> None:
        """Commits `batch` and settles its writes, or raises `WriteRace` or `_Recheck` having
        settled none."""
        started = time.perf_counter()
        try:
            await self._run(batch, careful)
        except (_Recheck, WriteRace):
            raise
        except BaseException as error:
            for write in batch:
                _settle(write, _failure(error))
            if not isinstance(error, Exception):
                raise
            return
        for write in batch:
            _settle(write)
            if write.payloads:
                self._remember(write)
        try:
            self._observe(len(batch), time.perf_counter() - started)
        except Exception:
            _log.exception("the store's commit observer failed")

    def _remember(self, write: _Write[TxT]) -> None:
        heads, pid = self._heads, write.persistence_id
        heads.pop(pid, None)
        if write.error is None:
            heads[pid] = write.expected + len(write.payloads)
            if len(heads) > KNOWN_HEADS:
                del heads[next(iter(heads))]

    async def _run(self, batch: list[_Write[TxT]], careful: bool) -> None:
        for write in batch:
            write.outcome = write.error = None
        alone = not careful and len(batch) == 1 and bool(batch[0].payloads)
        async with self._begin(alone) as tx:
            now = time.time()
            appends = [write for write in batch if write.payloads]
            if appends and careful:
                await _append_careful(tx, appends, now)
            elif appends:
                await _append_optimistic(tx, appends, now, self._heads)
            states = [write for write in batch if write.state is not None]
            if states:
                await _save_states(tx, states)
            for write in batch:
                if write.other is not None:
                    write.outcome = await write.other(tx)


async def _append_optimistic(
    tx: Transaction, appends: list[_Write[Any]], now: float, heads: dict[str, int]
) -> None:
    """One statement: the primary key refuses a row whose sequence number exists, and a row
    of a journal whose latest number the store does not know carries its append's expected
    number, inserted only where that event exists. Since a journal has no gaps, the two mean
    "the latest is the expected one". Any refusal sends the batch to the careful path."""
    if len({write.persistence_id for write in appends}) != len(appends):
        raise _Recheck
    rows = []
    for write in appends:
        pid, expected = write.persistence_id, write.expected
        check = 0 if heads.get(pid) == expected else expected
        rows += [
            (pid, expected + n, now, payload, check) for n, payload in enumerate(write.payloads, 1)
        ]
    if await tx.insert_if_latest(rows) != len(rows):
        raise _Recheck
    for write in appends:
        write.outcome = now


async def _append_careful(tx: Transaction, appends: list[_Write[Any]], now: float) -> None:
    """Reads each journal's latest sequence number first, so a stale append fails alone."""
    highest = await tx.highest(sorted({write.persistence_id for write in appends}))
    rows: list[tuple[str, int, float, bytes]] = []
    for write in appends:
        _plan_append(write, highest, now, rows)
    if rows:
        await tx.insert_events(rows)


async def _save_states(tx: Transaction, states: list[_Write[Any]]) -> None:
    revisions = await tx.revisions(sorted({write.persistence_id for write in states}))
    saved: dict[str, tuple[str, int, bytes]] = {}
    for write in states:
        _plan_state(write, revisions, saved)
    if saved:
        await tx.write_states(list(saved.values()))


def _plan_append(
    write: _Write[Any],
    highest: dict[str, int],
    now: float,
    rows: list[tuple[str, int, float, bytes]],
) -> None:
    pid, expected = write.persistence_id, write.expected
    latest = highest.get(pid, 0)
    if latest != expected:
        write.error = append_conflict(pid, expected, latest)
        return
    rows.extend((pid, expected + n, now, payload) for n, payload in enumerate(write.payloads, 1))
    highest[pid] = expected + len(write.payloads)
    write.outcome = now


def _plan_state(
    write: _Write[Any], revisions: dict[str, int], saved: dict[str, tuple[str, int, bytes]]
) -> None:
    pid, expected = write.persistence_id, write.expected
    revision = revisions.get(pid, 0)
    if revision != expected:
        write.error = state_conflict(pid, expected, revision)
        return
    assert write.state is not None
    revisions[pid] = saved_revision = expected + 1
    saved[pid] = (pid, saved_revision, write.state)
    write.outcome = saved_revision


def _failure(error: BaseException) -> PersistenceError:
    if isinstance(error, PersistenceError):
        return PersistenceError(str(error))
    if isinstance(error, asyncio.CancelledError | GeneratorExit):
        return PersistenceError("the write was cancelled with the store's writer")
    return PersistenceError(f"the store failed unexpectedly: {type(error).__name__}: {error}")


def _settle(write: _Write[Any], error: BaseException | None = None) -> None:
    if write.future.done():
        return
    failure = error or write.error
    if failure is not None:
        write.future.set_exception(failure)
    else:
        write.future.set_result(write.outcome)
