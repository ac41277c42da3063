"""The PostgresStore's write transaction, and what its failure says about the write.

A failure before the commit was sent, or one the server answered (a refused row, a deadlock),
leaves nothing written: the server rolls the transaction back. A connection lost or a
timeout while the commit itself waits for its answer (the COMMIT, or a batch that is one
statement and so its own commit) leaves it unknown: the server may have committed and its
answer been lost. The error then says so, since a caller that took it for a plain failure
and wrote again would write twice. A statement the server refused for what it writes (a
user's trigger or CHECK constraint) is `Refused`: the group commit then tries the batch's
writes one transaction each, so that it fails that write alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from .._errors import PersistenceError
from ._batch import Refused, WriteRace
from ._postgres_db import Connections, PostgresTransaction, transaction, translated

IN_DOUBT = (
    "{} while the commit waited for its answer, so it may have been written: read the store "
    "to know (a durable actor does, and fencing refuses a write made again on top of it)"
)


@asynccontextmanager
async def write_transaction(
    connections: Connections, place: str, alone: bool
) -> AsyncIterator[PostgresTransaction]:
    """A pooled connection in a transaction, committed at the end, rolled back on any error;
    `alone` (one statement: atomic by itself) saves the BEGIN and COMMIT round trips."""
    committing = False
    try:
        with translated(place, "a write"):
            async with connections.acquire() as conn:
                try:
                    if alone:
                        committing = True
                        yield PostgresTransaction(conn, connections)
                    else:
                        async with transaction(conn):
                            yield PostgresTransaction(conn, connections)
                            committing = True
                except (asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError) as error:
                    raise WriteRace(str(error)) from error
    except PersistenceError as error:
        if committing and _lost_answer(error.__cause__):
            timed_out = isinstance(error.__cause__, TimeoutError)
            why = "the store's timeout passed" if timed_out else "the connection failed"
            raise PersistenceError(f"{error}; {IN_DOUBT.format(why)}") from error.__cause__
        if isinstance(error.__cause__, asyncpg.PostgresError) and not isinstance(
            error.__cause__, _NOT_REFUSALS
        ):
            raise Refused(str(error)) from error.__cause__
        raise
    finally:
        connections.out -= 1


def _lost_answer(error: BaseException | None) -> bool:
    """Whether the commit's answer may be lost: the connection failed (asyncpg's connection
    errors, a timeout, the network) or the server ended the session (an operator's
    intervention may end it after the commit), rather than refused the write in a session
    that goes on."""
    if isinstance(error, asyncpg.PostgresError):
        return isinstance(error, _SESSION_ENDED)
    return error is not None


_SESSION_ENDED = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
)

_NOT_REFUSALS = (
    *_SESSION_ENDED,
    asyncpg.exceptions.LockNotAvailableError,
    asyncpg.exceptions.InvalidTransactionStateError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.PostgresSystemError,
    asyncpg.exceptions.InternalServerError,
)
"""The server's errors that are not a refusal of what a statement writes, which another
write, alone, would get too: the session ended or the statement cancelled (the store's
timeout, `statement_timeout`), a lock timeout, a read-only server or transaction, a full
disk, an I/O or internal failure."""
