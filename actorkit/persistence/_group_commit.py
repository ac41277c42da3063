"""Group commit, shared by the SQL stores: the writes waiting at one moment go to the database
in one transaction, and each caller returns only after the commit that carried its write.

One batch is one transaction. First optimistically: insert every append's events, those of
journals whose latest sequence number the store knows with a plain insert (the primary key is
their check), the others with one statement that checks each expectation as it goes; when every
row went in, that was the whole check. When one did not (a stale writer, or a cross-process
race on the primary key), the transaction is rolled back and the batch redone carefully: read
the latest sequence number of every journal it touches, decide in Python which appends still
match, insert those. A write whose expectation is stale then fails alone with
`PersistenceConflict`; the others commit. States are always checked first (their revisions
read `FOR UPDATE` where the database locks rows), then written over exactly the revision read
(a new one inserted); other writes (snapshots, reminders) run last. A database error fails the
whole batch, so nothing is half-written. A writer in another process can still slip in between
the careful read and the insert on a server that does not lock the database for the
transaction (PostgreSQL): the primary key then refuses a row, a new state's among them
(`WriteRace`), and the writes are retried one transaction each, where the same race means
that write lost it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic

from .._errors import PersistenceError
from ._base import race_conflict
from ._batch import Begin, Transaction, TxT, Write, WriteRace, take
from ._checked_writes import append_careful, save_states

KNOWN_HEADS = 65_536
"""Journals whose latest sequence number this store remembers (the most recently written)."""


class _Recheck(Exception):
    """The optimistic insert did not insert every row: redo the batch the careful way."""


class GroupCommit(Generic[TxT]):
    """The write queue of one SQL store and the task that flushes it."""

    def __init__(self, begin: Begin[TxT], observe: Callable[[int, float], None]) -> None:
        """`observe` sees each commit's size and duration; it logs its own failures (a write
        that committed must not fail because of it)."""
        self._begin = begin
        self._observe = observe
        self._pending: list[Write[TxT]] = []
        self._heads: dict[str, int] = {}
        """The latest sequence number of journals this store committed to: for those the
        optimistic insert needs no lookup (journals only grow, and the primary key refuses a
        sequence number written since)."""
        self._flusher: asyncio.Task[None] | None = None
        self._committing = False
        """A batch is being written: the writes it took commit or fail with it."""
        self._committed: asyncio.Future[None] | None = None
        """Made by `settled` only, so a batch nobody waits on costs no future."""

    def append(
        self, persistence_id: str, expected: int, payloads: Sequence[bytes], size: int
    ) -> asyncio.Future[float]:
        """The future of the append (`size`: its events' bytes), settled with the commit's
        time once it committed; a future, not a coroutine, so an awaiting caller pays for no
        frame of its own here."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._submit(Write(future, persistence_id, expected, payloads, size))
        return future

    def save_state(self, persistence_id: str, expected: int, payload: bytes) -> asyncio.Future[int]:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._submit(Write(future, persistence_id, expected, state=payload, size=len(payload)))
        return future

    def other(
        self, run: Callable[[TxT], Awaitable[object]], size: int = 0
    ) -> asyncio.Future[object]:
        """A write with no expectation to check (snapshots, reminders), in the next batch;
        `size` is the bytes of the value it writes."""
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._submit(Write(future, other=run, size=size))
        return future

    async def drain(self) -> None:
        """Wait until every write submitted so far is committed or failed."""
        while self._flusher is not None:
            await asyncio.shield(self._flusher)

    async def settled(self) -> None:
        """For a caller cancelled while it awaited its write: return once that write's fate
        is sealed. A cancelled write no batch has taken is never taken (`_flush` skips it); one
        the batch in flight took commits or fails with it, so wait for that batch's end, which
        the store's timeout bounds. The caller can then read the store to learn which it was.

        Cancelled again meanwhile (a timeout around a timeout), it waits all the same: the
        caller's `CancelledError`, raised next, stands for every request (the task counts
        them, and each `asyncio.timeout` reads its own from that count)."""
        if not self._committing:
            return
        committed = self._committed
        if committed is None:
            committed = self._committed = asyncio.get_running_loop().create_future()
        while not committed.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(committed)

    def _submit(self, write: Write[TxT]) -> None:
        self._pending.append(write)
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        batch: list[Write[TxT]] = []
        try:
            while self._pending:
                batch, self._pending = take(self._pending)
                if batch:
                    self._committing = True
                    await self._commit(batch)
                    self._batch_ended()
        except BaseException:
            # The flusher itself failed (cancelled with the loop, say): what it had not reached
            # of its batch (one write at a time, after a race) nor queued.
            for write in (*batch, *self._pending):
                _settle(write, PersistenceError("the store's writer stopped"))
            self._pending.clear()
            raise
        finally:
            self._flusher = None
            self._batch_ended()

    def _batch_ended(self) -> None:
        self._committing = False
        committed, self._committed = self._committed, None
        if committed is not None:
            committed.set_result(None)

    async def _commit(self, batch: list[Write[TxT]]) -> None:
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

    async def _timed(self, batch: list[Write[TxT]], careful: bool) -> None:
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
        self._settle_committed(batch)
        self._observe(len(batch), time.perf_counter() - started)

    def _settle_committed(self, batch: list[Write[TxT]]) -> None:
        """Settles every write of a committed batch and remembers the journals' new heads
        (`_settle` and the head bookkeeping in one pass: this runs for every write)."""
        heads = self._heads
        for write in batch:
            future, error = write.future, write.error
            if not future.done():
                if error is None:
                    future.set_result(write.outcome)
                else:
                    future.set_exception(error)
            if write.payloads:
                pid = write.persistence_id
                heads.pop(pid, None)  # re-inserted last: the dict's order is its age
                if error is None:
                    heads[pid] = write.expected + len(write.payloads)
        while len(heads) > KNOWN_HEADS:
            del heads[next(iter(heads))]

    async def _run(self, batch: list[Write[TxT]], careful: bool) -> None:
        if careful:  # a retry: forget what the failed attempt decided
            for write in batch:
                write.outcome = write.error = None
        alone = not careful and len(batch) == 1 and bool(batch[0].payloads)
        async with self._begin(alone) as tx:
            now = time.time()
            appends = [write for write in batch if write.payloads]
            if appends and careful:
                await append_careful(tx, appends, now)
            elif appends:
                await _append_optimistic(tx, appends, now, self._heads)
            if len(appends) != len(batch):
                await _save_others(tx, batch)


async def _save_others(tx: Transaction, batch: list[Write[Any]]) -> None:
    """States first (checked against their revisions), then snapshots and reminders."""
    states = [write for write in batch if write.state is not None]
    if states:
        await save_states(tx, states)
    for write in batch:
        if write.other is not None:
            write.outcome = await write.other(tx)


async def _append_optimistic(
    tx: Transaction, appends: list[Write[Any]], now: float, heads: dict[str, int]
) -> None:
    """The primary key refuses a row whose sequence number exists. For a journal whose
    latest number the store knows (or a new one), that is the whole check: its rows go in
    with a plain insert. A row of another journal carries its append's expected number and is
    inserted only where that event exists. Since a journal has no gaps, the two mean "the
    latest is the expected one". Any refusal sends the batch to the careful path."""
    if len({write.persistence_id for write in appends}) != len(appends):
        raise _Recheck
    known: list[tuple[str, int, float, bytes]] = []
    checked: list[tuple[str, int, float, bytes, int]] = []
    for write in appends:
        pid, expected, payloads = write.persistence_id, write.expected, write.payloads
        write.outcome = now  # read only once the batch committed
        if not expected or heads.get(pid) == expected:
            if len(payloads) == 1:
                known.append((pid, expected + 1, now, payloads[0]))
            else:
                known += [(pid, expected + n, now, p) for n, p in enumerate(payloads, 1)]
        else:
            checked += [(pid, expected + n, now, p, expected) for n, p in enumerate(payloads, 1)]
    if known:
        await tx.insert_events(known)
    if checked and await tx.insert_if_latest(checked) != len(checked):
        raise _Recheck


def _failure(error: BaseException) -> PersistenceError:
    if isinstance(error, PersistenceError):
        return PersistenceError(str(error))
    if isinstance(error, asyncio.CancelledError | GeneratorExit):
        return PersistenceError("the write was cancelled with the store's writer")
    return PersistenceError(f"the store failed unexpectedly: {type(error).__name__}: {error}")


def _settle(write: Write[Any], error: BaseException | None = None) -> None:
    if write.future.done():
        return
    failure = error or write.error
    if failure is not None:
        write.future.set_exception(failure)
    else:
        write.future.set_result(write.outcome)
