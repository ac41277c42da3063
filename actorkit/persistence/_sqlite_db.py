"""The SQLite side of the SQLiteStore: its transactions and what its errors mean.

Tables are STRICT, so a row of the wrong type cannot be written by any SQLite client; a write
transaction is `BEGIN IMMEDIATE`, which takes the database's write lock up front, so a batch's
check of the latest sequence numbers and its inserts are one step for every process on the
file.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any

import aiosqlite

from .._errors import PersistenceError
from .._thread_turns import thread_turns
from ._batch import Refused, WriteRace

MERGE_ROWS = 2048
"""Rows a writer puts in the journal's tail before a batch moves the tail into the journal
(`_sqlite_schema`): each journal's page is then written once for up to that many rows."""
MERGE_BYTES = 16 * 2**20
"""Bytes of events a writer puts in the tail before a batch moves it, however few the rows:
the move copies them all in one transaction, which a tail of 2,048 large events made
gigabytes long (a batch itself carries at most 64 MiB, `_batch.MAX_BATCH_BYTES`)."""

_MERGE = (
    "INSERT INTO actorkit_journal SELECT persistence_id, seq, time, payload "
    "FROM actorkit_journal_tail ORDER BY persistence_id, seq",
    "DELETE FROM actorkit_journal_tail",
)

_HIGHEST = (
    "SELECT pid, max(coalesce((SELECT max(seq) FROM actorkit_journal "
    "WHERE persistence_id = ids.pid), 0), coalesce((SELECT max(seq) FROM actorkit_journal_tail "
    "WHERE persistence_id = ids.pid), 0)) FROM ids"
)


async def open_connection(database: str, timeout: float, **options: Any) -> aiosqlite.Connection:
    """`aiosqlite.connect` in autocommit mode, its thread a daemon. aiosqlite's thread waits
    for its connection's next call until it is closed, and the interpreter waits for such a
    thread at exit: a system never shut down (no `async with`, no `shutdown()`) kept the
    process alive for ever after `asyncio.run` returned. What was not committed when the
    process exits is lost, as in a crash; SQLite's journal keeps the file whole."""
    connection = aiosqlite.connect(database, timeout=timeout, isolation_level=None, **options)
    thread = getattr(connection, "_thread", None)  # tests/test_sqlite_store_forgotten.py
    if isinstance(thread, threading.Thread):
        thread.daemon = True
    return await connection


class Tail:
    """The rows, and their payloads' bytes, one writer put in the journal's tail since it
    last moved the tail; both start at what it found there (`found_tail`)."""

    __slots__ = ("bytes", "rows")

    def __init__(self, rows: int, size: int) -> None:
        self.rows = rows
        self.bytes = size


async def found_tail(conn: aiosqlite.Connection) -> Tail:
    """The tail as a writer that opens the file finds it, which it counts as its own: each
    writer counting from 0, processes that each wrote fewer than `MERGE_ROWS` events or
    `MERGE_BYTES` of them (a command, a crash loop) never moved it. Rows by the highest
    position, not `count(*)`: positions start at 1 after a move, and rows leave only by a
    move. Bytes by reading every row, which a corrupt page of the tail fails: they count as
    0 then, as they only pace the move; the move, which reads the tail whole, reports it."""
    rows = await conn.execute_fetchall(
        "SELECT coalesce(max(position), 0) FROM actorkit_journal_tail"
    )
    try:
        sizes = await conn.execute_fetchall(
            "SELECT coalesce(sum(length(payload)), 0) FROM actorkit_journal_tail"
        )
        size = int(next(iter(sizes))[0])
    except sqlite3.DatabaseError as error:
        if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_CORRUPT:
            raise
        size = 0
    return Tail(int(next(iter(rows))[0]), size)


_HINTS = {
    "unable to open database file": "does the directory exist, and may this process write there?",
    "readonly database": "the file or its directory is not writable by this process",
    "disk is full": "the disk is full; nothing of the failed write was kept",
    "disk I/O error": "the disk refused a read or write: full, gone or failing? "
    "nothing of the failed write was kept",
    "file is not a database": "the file is corrupt or not a database",
    "malformed": "the database file is corrupt",
    "database is locked": "another process held the write lock longer than the store's "
    "timeout: SQLiteStore(path, timeout=...) sets it",
}


@contextmanager
def translated(path: str, doing: str) -> Iterator[None]:
    """Turns a driver or file error into a PersistenceError that says what failed and where."""
    try:
        yield
    except sqlite3.Error as error:
        text = str(error)
        hint = next((hint for key, hint in _HINTS.items() if key in text), None)
        raise PersistenceError(
            f"SQLite store {path}: {doing} failed: {text}" + (f" ({hint})" if hint else "")
        ) from error
    except (OSError, ValueError) as error:
        raise PersistenceError(f"SQLite store {path}: {doing} failed: {error}") from error


class SQLiteTransaction:
    """One write transaction, as the group commit uses it (`_group_commit.Transaction`).

    A lone write (`alone`) starts without `BEGIN`: one statement that writes one row is a
    transaction by itself in SQLite's autocommit mode, which saves two of the three trips to
    the connection's thread. A statement that writes several rows opens the transaction
    first, so an append of several events stays all or none; so does one that fills the
    journal's tail, which the transaction then moves into the journal (`merge`).

    Events go into the tail (`_sqlite_schema`); its trigger refuses a sequence number the
    journal holds, as the journal's primary key refused it before."""

    def __init__(self, conn: aiosqlite.Connection, opened: bool, tail: Tail) -> None:
        self.conn = conn
        self.opened = opened
        self.tail = tail
        self.merging = False

    async def _rows(self, count: int, size: int | None = None) -> None:
        """`size`: the bytes of the events that `count` rows put in the tail, if they do."""
        if size is not None:
            tail = self.tail
            tail.rows += count
            tail.bytes += size
            self.merging = tail.rows >= MERGE_ROWS or tail.bytes >= MERGE_BYTES
        if (count > 1 or self.merging) and not self.opened:
            await self.conn.execute("BEGIN IMMEDIATE")
            self.opened = True

    async def merge(self) -> None:
        """Moves the tail into the journal, in this transaction; `Tail` counts again from 0
        once it commits."""
        for statement in _MERGE:
            await self.conn.execute(statement)

    async def highest(self, ids: Sequence[str]) -> dict[str, int]:
        values = ",".join("(?)" for _ in ids)
        rows = await self.conn.execute_fetchall(
            f"WITH ids(pid) AS (VALUES {values}) {_HIGHEST}", ids
        )
        return {pid: seq for pid, seq in rows if seq}

    async def revisions(self, ids: Sequence[str]) -> dict[str, int]:
        marks = ",".join("?" for _ in ids)
        rows = await self.conn.execute_fetchall(
            "SELECT persistence_id, revision FROM actorkit_states "
            f"WHERE persistence_id IN ({marks})",
            ids,
        )
        return dict(rows)  # type: ignore[arg-type]

    async def insert_events(self, rows: Sequence[tuple[str, int, float, bytes]]) -> None:
        await self._rows(len(rows), sum(len(row[3]) for row in rows))
        await self.conn.executemany(
            "INSERT INTO actorkit_journal_tail (persistence_id, seq, time, payload) "
            "VALUES (?, ?, ?, ?)",
            rows,
        )

    async def insert_if_latest(self, rows: Sequence[tuple[str, int, float, bytes, int]]) -> int:
        await self._rows(len(rows), sum(len(row[3]) for row in rows))
        # Plain `?` marks, each used once: Python 3.12.0 to 3.12.3 warn that numbered ones
        # (`?1`) bound from a sequence will be an error.
        cursor = await self.conn.executemany(
            "INSERT INTO actorkit_journal_tail (persistence_id, seq, time, payload) "
            "SELECT pid, seq, at, body "
            "FROM (SELECT ? AS pid, ? AS seq, ? AS at, ? AS body, ? AS expected) "
            "WHERE EXISTS (SELECT 1 FROM actorkit_journal AS j "
            "WHERE j.persistence_id = pid AND j.seq = expected) "
            "OR EXISTS (SELECT 1 FROM actorkit_journal_tail AS t "
            "WHERE t.persistence_id = pid AND t.seq = expected)",
            rows,
        )
        return cursor.rowcount

    async def write_states(self, rows: Sequence[tuple[str, int, bytes, int]]) -> None:
        """As on PostgreSQL, though `BEGIN IMMEDIATE` already keeps other writers out."""
        await self._rows(len(rows))
        new = [row[:3] for row in rows if not row[3]]
        if new:
            await self.conn.executemany("INSERT INTO actorkit_states VALUES (?, ?, ?)", new)
        old = [(revision, payload, pid, read) for pid, revision, payload, read in rows if read]
        if old:
            cursor = await self.conn.executemany(
                "UPDATE actorkit_states SET revision = ?, payload = ? "
                "WHERE persistence_id = ? AND revision = ?",
                old,
            )
            if cursor.rowcount != len(old):
                raise WriteRace("a state's revision changed since it was read")


_REFUSALS = frozenset(
    (
        sqlite3.SQLITE_ERROR,
        sqlite3.SQLITE_TOOBIG,
        sqlite3.SQLITE_CONSTRAINT,
        sqlite3.SQLITE_MISMATCH,
        sqlite3.SQLITE_RANGE,
    )
)
"""Primary result codes of a statement SQLite refused for what it writes (a trigger, a CHECK
constraint), the connection and file sound: another write may go in. Not the busy timeout,
an interruption, nor a disk or file error, after which a commit may have been written."""


@asynccontextmanager
async def write_transaction(
    conn: aiosqlite.Connection, path: str, alone: bool, tail: Tail
) -> AsyncIterator[SQLiteTransaction]:
    """`BEGIN IMMEDIATE` ... `COMMIT`, rolled back whole on any error; a lone write of one
    row is its own transaction (`SQLiteTransaction`). A batch that filled the journal's
    tail moves it into the journal before it commits. A refused statement is `Refused`."""
    try:
        with thread_turns(), translated(path, "a write"):
            if not alone:
                await conn.execute("BEGIN IMMEDIATE")
            try:
                tx = SQLiteTransaction(conn, not alone, tail)
                yield tx
                if tx.merging:
                    await tx.merge()
                if tx.opened:
                    await conn.execute("COMMIT")
                if tx.merging:
                    tail.rows = tail.bytes = 0
            except sqlite3.IntegrityError as error:
                await rollback(conn)
                if "UNIQUE" not in str(error):
                    raise
                raise WriteRace(str(error)) from error
            except BaseException:
                await rollback(conn)
                raise
    except PersistenceError as error:
        code = getattr(error.__cause__, "sqlite_errorcode", None)  # none: the module's own
        if code is not None and (code & 0xFF) in _REFUSALS:
            raise Refused(str(error)) from error.__cause__
        raise


async def rollback(conn: aiosqlite.Connection) -> None:
    """After a failed COMMIT SQLite may have rolled back already; a rollback that fails too
    (the file is gone) leaves the failure that caused it to be reported."""
    with suppress(sqlite3.Error, ValueError):
        if conn.in_transaction:
            await conn.execute("ROLLBACK")


def directory_problem(path: str, prefix: str = "") -> str | None:
    """Why `path` cannot be the store's file when it is a directory (SQLite says only "unable
    to open"); the example file is shown after `prefix` (a URL's `sqlite:///`)."""
    if not os.path.isdir(path):
        return None
    example = os.path.join(path, "app.db")
    return f"{path} is a directory: pass the database file in it, such as {prefix}{example}"


def special_problem(path: str) -> str | None:
    """Why `path` cannot be the store's file when it is a FIFO, a device or a socket: SQLite
    says only "disk I/O error", which reads as a failing disk."""
    try:
        mode = os.stat(path).st_mode
    except OSError:  # missing (then created), or a reason SQLite's own open reports
        return None
    if stat.S_ISREG(mode):
        return None
    return (
        f"{path} is not a regular file: pass a database file (one that does not exist yet is "
        "created)"
    )


def probe(path: str, uri: bool = False) -> None:
    """Opens the file once without aiosqlite: a connection that fails to open leaves
    aiosqlite's thread reporting to the event loop after the caller has moved on."""
    problem = None if uri else directory_problem(path) or special_problem(path)
    if problem is not None:
        raise PersistenceError(f"SQLite store {problem}")
    sqlite3.connect(path, uri=uri).close()
