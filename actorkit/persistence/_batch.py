"""What the group commit (`_group_commit`) writes, and how it cuts its queue into batches:
the write records, the transaction the batch runs in, the batch's bounds, and the errors a
failed write's caller gets."""

from __future__ import annotations

import asyncio
import operator
from collections.abc import Awaitable, Callable, Sequence, Set
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from .._errors import PersistenceError

MAX_BATCH = 500
"""Writes per transaction: bounds a statement's parameter count and a commit's latency."""
MAX_BATCH_BYTES = 64 * 2**20
"""Bytes of values per transaction; a larger write goes alone. Writes that fit alone would
otherwise fail together: PostgreSQL takes no array parameter (a batch binds all its events
in one) over 1 GiB, and hundreds of megabytes can take longer to write than the timeout."""


class WriteRace(Exception):
    """A row another process committed first refused one of the batch's rows."""


class Refused(PersistenceError):
    """The database refused a statement of the batch in a session that goes on (a user's
    trigger or CHECK constraint, say), not for a lost connection, a timeout or a commit of
    unknown outcome: nothing of the batch was written, and only a write tried alone tells
    whose it was."""


class Recheck(Exception):
    """The optimistic insert did not insert every row: redo the batch the careful way."""


class Transaction(Protocol):
    """What the batch needs of one open transaction of a SQL store."""

    async def highest(self, ids: Sequence[str]) -> dict[str, int]: ...

    async def revisions(self, ids: Sequence[str]) -> dict[str, int]: ...

    async def insert_events(self, rows: Sequence[tuple[str, int, float, bytes]]) -> None: ...

    async def insert_if_latest(self, rows: Sequence[tuple[str, int, float, bytes, int]]) -> int:
        """Inserts `(id, seq, time, payload)` where event `expected` (the fifth, never 0: a new
        journal's rows take the plain insert) exists; how many rows it inserted. A duplicate
        key raises `WriteRace`."""

    async def write_states(self, rows: Sequence[tuple[str, int, bytes, int]]) -> None:
        """Writes `(id, revision, payload)` where the stored revision is still `read` (the
        fourth; 0: inserts, no row may exist); raises `WriteRace` when a row is not."""


TxT = TypeVar("TxT", bound=Transaction)
Begin = Callable[[bool], AbstractAsyncContextManager[TxT]]
"""Opens a transaction: commits when the block ends, rolls back when it raises; raises
`PersistenceError` for a database failure (`Refused` where a write alone may succeed) and
`WriteRace` for a refused duplicate row. The flag says the block runs one statement, which
a database may run as its own transaction."""


@dataclass(slots=True)
class Write(Generic[TxT]):
    future: asyncio.Future[Any]
    persistence_id: str = ""
    expected: int = 0
    payloads: Sequence[bytes] = ()
    size: int = 0
    """Bytes of the values it writes."""
    state: bytes | None = None
    other: Callable[[TxT], Awaitable[object]] | None = None
    outcome: object = field(default=None)
    error: BaseException | None = None


@dataclass(slots=True, eq=False)
class InFlight:
    """A batch being written, and the journals it writes."""

    ids: set[str]
    ended: asyncio.Future[None] | None = None
    """Made by `settled` only, so a batch nobody waits on costs no future."""


_size = operator.attrgetter("size")


def take(
    pending: list[Write[TxT]], limit: int = MAX_BATCH, busy: Set[str] = frozenset()
) -> tuple[list[Write[TxT]], list[Write[TxT]]]:
    """The next batch off the queue, and what stays queued: up to `limit` writes and
    `MAX_BATCH_BYTES` of values, without the writes whose callers were cancelled. The writes
    of the journals in `busy` (a batch in flight writes them) stay queued, in their order."""
    room = MAX_BATCH_BYTES
    if not busy and len(pending) <= limit and sum(map(_size, pending)) <= room:  # all of it
        return [write for write in pending if not write.future.done()], []
    batch: list[Write[TxT]] = []
    kept: list[Write[TxT]] = []
    for taken, write in enumerate(pending):
        if write.future.done():
            continue
        if write.persistence_id in busy:
            kept.append(write)
            continue
        room -= write.size
        if len(batch) == limit or (room < 0 and batch):
            return batch, kept + pending[taken:]
        batch.append(write)
    return batch, kept


def failure(error: BaseException) -> PersistenceError:
    if isinstance(error, PersistenceError):
        return PersistenceError(str(error))
    if isinstance(error, asyncio.CancelledError | GeneratorExit):  # perhaps in its commit
        return PersistenceError("the writer was cancelled mid-batch: it may have been written")
    return PersistenceError(f"the store failed unexpectedly: {type(error).__name__}: {error}")


def unwritten(writes: Sequence[Write[Any]], error: BaseException) -> None:
    """Fails the writes of a batch retried one at a time that `error` kept from being tried,
    with its cause, not its words, which may say that it (another write's) was written."""
    cause = error.__cause__ or error
    why = f"its batch was retried one write at a time ({type(cause).__name__}: {cause})"
    for write in writes:
        settle(write, PersistenceError(f"not written: the store failed before it, as {why}"))


def settle(write: Write[Any], error: BaseException) -> None:
    """Fails a write not settled yet (a committed batch's are, `_settle_committed`)."""
    if not write.future.done():
        write.future.set_exception(error)
