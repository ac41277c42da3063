"""Group commit, shared by the SQL stores: the writes waiting at one moment go to the database
in one transaction, and each caller returns only after the commit that carried its write.

One batch is one transaction: read the latest sequence number of every journal and the
revision of every state it touches (one statement each), decide in Python which writes still
match what their writers expect, insert all the matching events with one `executemany`, upsert
the states, run the other writes, commit. A write whose expectation is stale fails alone with
`PersistenceConflict`; the others commit. A database error fails the whole batch, so nothing is
half-written. A writer in another process can slip in between the read and the insert on a
server that does not lock the database for the transaction (PostgreSQL): the primary key then
refuses a row (`WriteRace`), the batch is rolled back and its writes are retried one
transaction each, where the same race means that write lost it.
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
"""Writes per transaction: bounds a statement's parameter count and a commit's latency."""


class WriteRace(Exception):
    """A row another process committed first refused one of the batch's rows."""


class Transaction(Protocol):
    """What the batch needs of one open transaction of a SQL store."""

    async def highest(self, ids: Sequence[str]) -> dict[str, int]: ...

    async def revisions(self, ids: Sequence[str]) -> dict[str, int]: ...

    async def insert_events(self, rows: Sequence[tuple[str, int, float, bytes]]) -> None: ...

    async def write_states(self, rows: Sequence[tuple[str, int, bytes]]) -> None: ...


TxT = TypeVar("TxT", bound=Transaction)
Begin = Callable[[], AbstractAsyncContextManager[TxT]]
"""Opens a transaction: commits when the block ends, rolls back when it raises; raises
`PersistenceError` for a database failure and `WriteRace` for a refused duplicate row."""


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
        self._flusher: asyncio.Task[None] | None = None

    async def append(self, persistence_id: str, expected: int, payloads: Sequence[bytes]) -> float:
        write = _Write[TxT](self._future(), persistence_id, expected, payloads)
        return cast(float, await self._submit(write))

    async def save_state(self, persistence_id: str, expected: int, payload: bytes) -> int:
        write = _Write[TxT](self._future(), persistence_id, expected, state=payload)
        return cast(int, await self._submit(write))

    async def other(self, run: Callable[[TxT], Awaitable[object]]) -> object:
        """A write with no expectation to check (snapshots, reminders), in the next batch."""
        return await self._submit(_Write(self._future(), other=run))

    async def drain(self) -> None:
        """Wait until every write submitted so far is committed or failed."""
        while self._flusher is not None:
            await asyncio.shield(self._flusher)

    def _future(self) -> asyncio.Future[Any]:
        return asyncio.get_running_loop().create_future()

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
            await self._timed(batch)
        except WriteRace:
            for write in batch:
                try:
                    await self._timed([write])
                except WriteRace:
                    _settle(write, race_conflict(write.persistence_id))

    async def _timed(self, batch: list[_Write[TxT]]) -> None:
        """Commits `batch` and settles its writes, or raises `WriteRace` having settled none."""
        started = time.perf_counter()
        try:
            await self._run(batch)
        except WriteRace:
            raise
        except BaseException as error:
            for write in batch:
                _settle(write, _failure(error))
            if not isinstance(error, Exception):
                raise
            return
        for write in batch:
            _settle(write)
        try:
            self._observe(len(batch), time.perf_counter() - started)
        except Exception:
            _log.exception("the store's commit observer failed")

    async def _run(self, batch: list[_Write[TxT]]) -> None:
        for write in batch:
            write.outcome = write.error = None
        async with self._begin() as tx:
            now = time.time()
            journals = {w.persistence_id for w in batch if w.payloads}
            states = {w.persistence_id for w in batch if w.state is not None}
            highest = await tx.highest(sorted(journals)) if journals else {}
            revisions = await tx.revisions(sorted(states)) if states else {}
            rows: list[tuple[str, int, float, bytes]] = []
            saved: dict[str, tuple[str, int, bytes]] = {}
            for write in batch:
                if write.payloads:
                    _plan_append(write, highest, now, rows)
                elif write.state is not None:
                    _plan_state(write, revisions, saved)
            if rows:
                await tx.insert_events(rows)
            if saved:
                await tx.write_states(list(saved.values()))
            for write in batch:
                if write.other is not None:
                    write.outcome = await write.other(tx)


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
