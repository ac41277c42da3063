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
(a new one inserted); other writes (snapshots, reminders) run last. A writer in another
process can still slip in between the careful read and the insert on a server that does not
lock the database for the transaction (PostgreSQL): the primary key then refuses a row, a new
state's among them (`WriteRace`), and the writes are retried one transaction each, where the
same race means that write lost it. So are they when the database refuses a statement on its
own (`Refused`: a user's trigger, a CHECK constraint), so only the write it refuses fails. Any
other error (a lost connection, a timeout) fails the writes not committed yet, whole.

A batch that is one statement (appends to journals whose latest number the store knows, or a
single append) is its own transaction, without the BEGIN and COMMIT round trips. A store with
a pool of connections (PostgreSQL) keeps two batches in flight: while one commits, the callers
of the other run and queue the next. A long queue is shared between the two; they never share
a journal (a journal's next write waits for the batch in flight that writes it), so each
journal's writes commit in the order they came and neither batch waits for a row of the other."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic

from .._errors import PersistenceError
from ._batch import (
    MAX_BATCH,
    Begin,
    InFlight,
    Recheck,
    Refused,
    TxT,
    Write,
    WriteRace,
    failure,
    settle,
    take,
    unwritten,
)
from ._checked_writes import append_careful, save_others
from ._conflicts import race_conflict
from ._optimistic import insert_optimistic, optimistic_rows

KNOWN_HEADS = 65_536
"""Journals whose latest sequence number this store remembers (the most recently written)."""

SPLIT = 32
"""Queued writes from which a batch leaves part of them to a batch beside it (when the store
allows several in flight), so that one commits while the other's callers run."""


class GroupCommit(Generic[TxT]):
    """The write queue of one SQL store and the tasks that flush it."""

    def __init__(
        self,
        begin: Begin[TxT],
        observe: Callable[[int, float], None],
        concurrency: int = 1,
    ) -> None:
        """`observe` sees each commit's size and duration; it logs its own failures (a write
        that committed must not fail because of it). `concurrency`: batches in flight at once."""
        self._begin = begin
        self._observe = observe
        self._concurrency = concurrency
        self._pending: list[Write[TxT]] = []
        self._heads: dict[str, int] = {}
        """The latest sequence number of journals this store committed to: for those the
        optimistic insert needs no lookup (journals only grow, and the primary key refuses a
        sequence number written since)."""
        self._flushers: set[asyncio.Task[None]] = set()
        self._starting = False
        """A flusher was made and has not taken its batch yet: it takes what comes meanwhile."""
        self._in_flight: list[InFlight] = []
        self._busy: set[str] = set()
        """The journals of the batches in flight: their next writes wait for them."""

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
        self, persistence_id: str, run: Callable[[TxT], Awaitable[object]], size: int = 0
    ) -> asyncio.Future[object]:
        """A write of `persistence_id`'s with no expectation to check (snapshots, reminders),
        in the next batch; `size` is the bytes of the value it writes."""
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._submit(Write(future, persistence_id, other=run, size=size))
        return future

    def forget_heads(self) -> None:
        """The journals' latest sequence numbers may have gone back (a server restored from
        an older backup): each journal's next append checks its journal again, as for a
        journal this store never wrote, and a journal that went back refuses it."""
        self._heads.clear()

    async def drain(self) -> None:
        """Wait until every write submitted so far is committed or failed, or its flusher
        cancelled (at a shutdown): that `CancelledError` is not the caller's, who goes on."""
        while self._flushers:
            flusher = next(iter(self._flushers))
            await asyncio.wait((flusher,))
            self._never_ran(flusher)  # its done callback may come later than this

    async def settled(self) -> None:
        """For a caller cancelled while it awaited its write: return once that write's fate
        is sealed. A cancelled write no batch has taken is never taken (`take` skips it); one
        a batch in flight took commits or fails with it, so wait for the end of those in
        flight (the store's timeout bounds it); the caller can then read the store to learn.

        Cancelled again meanwhile (a timeout around a timeout), it waits all the same: the
        caller's `CancelledError`, raised next, stands for every request (the task counts
        them, and each `asyncio.timeout` reads its own from that count)."""
        loop = asyncio.get_running_loop()
        ends = []
        for flight in self._in_flight:  # each made now: one may land while another is awaited
            if flight.ended is None:
                flight.ended = loop.create_future()
            ends.append(flight.ended)
        for ended in ends:
            while not ended.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(ended)

    def _submit(self, write: Write[TxT]) -> None:
        self._pending.append(write)
        if not self._starting and len(self._flushers) < self._concurrency:
            self._start()

    def _start(self) -> None:
        self._starting = True
        flusher = asyncio.get_running_loop().create_task(self._flush())
        if not flusher.done():  # an eager task factory ran it already, to its end at times
            self._flushers.add(flusher)
            flusher.add_done_callback(self._never_ran)

    def _never_ran(self, flusher: asyncio.Task[None]) -> None:
        """A flusher cancelled before its first step (every task cancelled at a shutdown) ran
        none of `_flush`: its writes fail as if it was cancelled later, the next starts one."""
        if flusher in self._flushers:
            self._flushers.discard(flusher)
            self._starting = False
            self._stopped()

    def _stopped(self, *reached: Write[TxT]) -> None:
        for write in (*reached, *self._pending):
            settle(write, PersistenceError("the store's writer stopped"))
        self._pending.clear()

    async def _flush(self) -> None:
        self._starting = False
        batch: list[Write[TxT]] = []
        try:
            while self._pending:
                batch = self._take()
                if not batch:  # the rest waits for journals in flight: their flusher takes it
                    break
                flight = InFlight({write.persistence_id for write in batch})
                self._in_flight.append(flight)
                self._busy |= flight.ids
                self._beside()
                try:
                    await self._commit(batch)
                finally:
                    self._landed(flight)
        except BaseException:
            # The flusher failed (cancelled with the loop, say): its batch's unsettled, the queue
            self._stopped(*batch)
            raise
        finally:  # at once: a write submitted next needs a flusher (a done callback is late)
            self._flushers.discard(asyncio.current_task())

    def _take(self) -> list[Write[TxT]]:
        """The next batch. Where another may be in flight beside it, a long queue is shared
        between them, and one waiting for a journal in flight stays queued."""
        pending, room = self._pending, self._concurrency - len(self._in_flight)
        limit = MAX_BATCH if room < 2 or len(pending) < SPLIT else -(-len(pending) // room)
        batch, self._pending = take(pending, min(limit, MAX_BATCH), self._busy)
        return batch

    def _beside(self) -> None:
        """A flusher for what the batch just taken left queued, if another may be in flight;
        started once that batch's journals are busy, as it may run at once (an eager task
        factory) and must not take their next writes."""
        if self._pending and len(self._in_flight) < self._concurrency and not self._starting:
            self._start()

    def _landed(self, flight: InFlight) -> None:
        self._in_flight.remove(flight)
        self._busy -= flight.ids
        if flight.ended is not None:
            flight.ended.set_result(None)

    async def _commit(self, batch: list[Write[TxT]]) -> None:
        try:
            try:
                await self._timed(batch, careful=False)
            except (Recheck, WriteRace):
                await self._timed(batch, careful=True)
        except (Refused, WriteRace) as error:
            if len(batch) == 1 and isinstance(error, Refused):  # the refusal is the write's own
                settle(batch[0], failure(error))
            else:
                await self._one_by_one(batch)

    async def _one_by_one(self, batch: list[Write[TxT]]) -> None:
        """Each write in a transaction of its own: a refusal or a lost race is then that
        write's alone. Any other failure (a timeout, a lost connection) fails the writes not
        tried yet, so that none waits a timeout for each one before it."""
        for tried, write in enumerate(batch, 1):
            try:
                error = await self._timed([write], careful=True)
            except WriteRace:
                settle(write, race_conflict(write.persistence_id))
            except Refused as refused:
                settle(write, failure(refused))
            else:
                if error is not None:
                    unwritten(batch[tried:], error)
                    return

    async def _timed(self, batch: list[Write[TxT]], careful: bool) -> BaseException | None:
        """Commits `batch` and settles its writes, or raises `WriteRace`, `Recheck` or
        `Refused` having settled none; a failure it settled them with is returned."""
        started = time.perf_counter()
        try:
            await self._run(batch, careful)
        except (Recheck, WriteRace, Refused):
            raise
        except BaseException as error:
            for write in batch:
                settle(write, failure(error))
            if not isinstance(error, Exception):
                raise
            return error
        self._settle_committed(batch)
        self._observe(len(batch), time.perf_counter() - started)
        return None

    def _settle_committed(self, batch: list[Write[TxT]]) -> None:
        """Settles every write of a committed batch and remembers the journals' new heads
        (`settle` and the head bookkeeping in one pass: this runs for every write)."""
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
        now = time.time()
        appends = [write for write in batch if write.payloads]
        rows = None if careful or not appends else optimistic_rows(appends, now, self._heads)
        # One statement is a transaction by itself: a batch of appends to known journals, or
        # one append (a checked insert of several appends could commit some of them only).
        alone = rows is not None and len(appends) == len(batch) and (not rows[1] or len(batch) == 1)
        async with self._begin(alone) as tx:
            if rows is not None:
                await insert_optimistic(tx, *rows)
            elif appends:
                await append_careful(tx, appends, now)
            if len(appends) != len(batch):
                await save_others(tx, batch)
