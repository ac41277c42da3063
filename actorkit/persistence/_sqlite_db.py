"""The SQLite side of the SQLiteStore: its tables, its transactions and what its errors mean.

Tables are STRICT, so a row of the wrong type cannot be written by any SQLite client; a write
transaction is `BEGIN IMMEDIATE`, which takes the database's write lock up front, so a batch's
check of the latest sequence numbers and its inserts are one step for every process on the
file.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress

import aiosqlite

from .._errors import PersistenceError
from ._batch import WriteRace
from ._schema import (
    NO_VERSION_COLUMN,
    SCHEMA_VERSION,
    needs_creating,
    refuse_foreign_tables,
    table_names,
)

SCHEMA = f"""
CREATE TABLE actorkit_schema (version INTEGER NOT NULL) STRICT;
INSERT INTO actorkit_schema VALUES ({SCHEMA_VERSION});
CREATE TABLE actorkit_journal (
    persistence_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    time REAL NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (persistence_id, seq)
) STRICT, WITHOUT ROWID;
CREATE TABLE actorkit_snapshots (
    persistence_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    payload BLOB NOT NULL
) STRICT;
CREATE TABLE actorkit_states (
    persistence_id TEXT PRIMARY KEY,
    revision INTEGER NOT NULL,
    payload BLOB NOT NULL
) STRICT;
CREATE TABLE actorkit_reminders (
    persistence_id TEXT NOT NULL,
    key TEXT NOT NULL,
    due REAL NOT NULL,
    every REAL,
    payload BLOB NOT NULL,
    PRIMARY KEY (persistence_id, key)
) STRICT;
"""

TABLES = table_names(SCHEMA)

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
    first, so an append of several events stays all or none."""

    def __init__(self, conn: aiosqlite.Connection, opened: bool) -> None:
        self.conn = conn
        self.opened = opened

    async def _rows(self, count: int) -> None:
        if count > 1 and not self.opened:
            await self.conn.execute("BEGIN IMMEDIATE")
            self.opened = True

    async def highest(self, ids: Sequence[str]) -> dict[str, int]:
        values = ",".join("(?)" for _ in ids)
        rows = await self.conn.execute_fetchall(
            f"WITH ids(pid) AS (VALUES {values}) SELECT pid, (SELECT max(seq) "
            "FROM actorkit_journal WHERE persistence_id = ids.pid) FROM ids",
            ids,
        )
        return {pid: seq for pid, seq in rows if seq is not None}

    async def revisions(self, ids: Sequence[str]) -> dict[str, int]:
        marks = ",".join("?" for _ in ids)
        rows = await self.conn.execute_fetchall(
            "SELECT persistence_id, revision FROM actorkit_states "
            f"WHERE persistence_id IN ({marks})",
            ids,
        )
        return dict(rows)  # type: ignore[arg-type]

    async def insert_events(self, rows: Sequence[tuple[str, int, float, bytes]]) -> None:
        await self._rows(len(rows))
        await self.conn.executemany("INSERT INTO actorkit_journal VALUES (?, ?, ?, ?)", rows)

    async def insert_if_latest(self, rows: Sequence[tuple[str, int, float, bytes, int]]) -> int:
        await self._rows(len(rows))
        # Plain `?` marks, each used once: Python 3.12.0 to 3.12.3 warn that numbered ones
        # (`?1`) bound from a sequence will be an error.
        cursor = await self.conn.executemany(
            "INSERT INTO actorkit_journal SELECT pid, seq, at, body "
            "FROM (SELECT ? AS pid, ? AS seq, ? AS at, ? AS body, ? AS expected) "
            "WHERE EXISTS (SELECT 1 FROM actorkit_journal AS j "
            "WHERE j.persistence_id = pid AND j.seq = expected)",
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


@asynccontextmanager
async def write_transaction(
    conn: aiosqlite.Connection, path: str, alone: bool
) -> AsyncIterator[SQLiteTransaction]:
    """`BEGIN IMMEDIATE` ... `COMMIT`, rolled back whole on any error; a lone write of one
    row is its own transaction (`SQLiteTransaction`)."""
    with translated(path, "a write"):
        if not alone:
            await conn.execute("BEGIN IMMEDIATE")
        try:
            tx = SQLiteTransaction(conn, opened=not alone)
            yield tx
            if tx.opened:
                await conn.execute("COMMIT")
        except sqlite3.IntegrityError as error:
            await _rollback(conn)
            if "UNIQUE" not in str(error):
                raise
            raise WriteRace(str(error)) from error
        except BaseException:
            await _rollback(conn)
            raise


async def _rollback(conn: aiosqlite.Connection) -> None:
    """After a failed COMMIT SQLite may have rolled back already; a rollback that fails too
    (the file is gone) leaves the failure that caused it to be reported."""
    with suppress(sqlite3.Error, ValueError):
        if conn.in_transaction:
            await conn.execute("ROLLBACK")


async def _schema_version(conn: aiosqlite.Connection) -> object:
    """None without the schema table, -1 for an empty one; not an int in a table of that
    name that another program made (`NO_VERSION_COLUMN` if it lacks the column)."""
    tables = await conn.execute_fetchall(
        "SELECT name FROM sqlite_master WHERE name = 'actorkit_schema'"
    )
    if not tables:
        return None
    if not await conn.execute_fetchall(
        "SELECT 1 FROM pragma_table_info('actorkit_schema') WHERE name = 'version'"
    ):
        return NO_VERSION_COLUMN
    rows = list(await conn.execute_fetchall("SELECT max(version) FROM actorkit_schema"))
    found: object = rows[0][0] if rows else None
    return -1 if found is None else found


async def refuse_foreign(conn: aiosqlite.Connection, path: str) -> None:
    """Reads only, before the journal mode changes: a file holding tables of actorkit's names
    that actorkit did not make (another program's) is refused as it was found. One query for
    the names, so a process creating the schema meanwhile is seen before or after, whole."""
    where = f"SQLite store {path}"
    marks = ",".join("?" for _ in TABLES)
    rows = await conn.execute_fetchall(
        f"SELECT name FROM sqlite_master WHERE name IN ({marks}) ORDER BY name", TABLES
    )
    names = [row[0] for row in rows]
    if "actorkit_schema" in names:
        needs_creating(await _schema_version(conn), where)
    else:
        refuse_foreign_tables(names, where, "file")


async def create_or_check(conn: aiosqlite.Connection, path: str) -> bool:
    """Reads the schema version in a write transaction; creates the schema when absent.
    True when it created it."""
    await conn.execute("BEGIN IMMEDIATE")
    try:
        create = needs_creating(await _schema_version(conn), f"SQLite store {path}")
        if create:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    await conn.execute(statement)
        await conn.execute("COMMIT")
    except BaseException:
        await _rollback(conn)
        raise
    return create


async def connect(
    path: str, synchronous: str, timeout: float, opened: list[aiosqlite.Connection]
) -> tuple[aiosqlite.Connection, aiosqlite.Connection]:
    """The writer (WAL, `synchronous`, schema created or checked) and the reader, both waiting
    up to `timeout` for another process's lock; each connection goes into `opened` as soon as
    it exists, for the caller to close on failure."""
    await asyncio.to_thread(_probe, path)
    writer = await aiosqlite.connect(path, timeout=timeout, isolation_level=None)
    opened.append(writer)
    await refuse_foreign(writer, path)
    await writer.execute("PRAGMA journal_mode = WAL")
    await writer.execute(f"PRAGMA synchronous = {synchronous}")
    await create_or_check(writer, path)
    reader = await aiosqlite.connect(path, timeout=timeout, isolation_level=None)
    opened.append(reader)
    await reader.execute("PRAGMA query_only = ON")
    return writer, reader


def directory_problem(path: str, prefix: str = "") -> str | None:
    """Why `path` cannot be the store's file when it is a directory (SQLite says only "unable
    to open"); the example file is shown after `prefix` (a URL's `sqlite:///`)."""
    if not os.path.isdir(path):
        return None
    example = os.path.join(path, "app.db")
    return f"{path} is a directory: pass the database file in it, such as {prefix}{example}"


def _probe(path: str, uri: bool = False) -> None:
    """Opens the file once without aiosqlite: a connection that fails to open leaves
    aiosqlite's thread reporting to the event loop after the caller has moved on."""
    problem = None if uri else directory_problem(path)
    if problem is not None:
        raise PersistenceError(f"SQLite store {problem}")
    sqlite3.connect(path, uri=uri).close()
