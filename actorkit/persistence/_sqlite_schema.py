"""The SQLite store's file opened: its schema created, checked or upgraded, its connections.

Version 2 adds the journal's tail. A commit writes each journal's new events into one shared,
append-only table, `actorkit_journal_tail`, instead of the journal itself: the journal is
clustered on `(persistence_id, seq)`, so a batch of events for 100 journals dirtied 100 of its
4 KiB pages, each written to the log and synced, while the tail's new rows share a few pages
at its end. Once a writer has added `MERGE_ROWS` rows (or `MERGE_BYTES` of events), a batch
moves the tail into the journal in key order (`_sqlite_db`), which dirties each journal's page
once for many commits. Two triggers keep both tables one journal for any client: the tail refuses a
`(persistence_id, seq)` the journal holds (as the journal's primary key would), and the
journal takes only rows the tail holds, every column equal, so a process of version 1 that
opened the file before the upgrade cannot write behind the tail's back (not even an event of
a number the tail holds: a second event of that number, which the move would then fail on).
The view `actorkit_events` is the journal as readers see it.
"""

from __future__ import annotations

import aiosqlite

from .._thread_turns import to_thread
from ._schema import NO_VERSION_COLUMN, needs_creating, refuse_foreign_tables, table_names
from ._sqlite_db import open_connection, probe, rollback
from ._sqlite_shape import refuse_changed_tables

VERSION = 2
UPGRADES = (1,)
"""Versions a writer upgrades in place when it opens the file, and a reader reads as they are."""

_FROM_TAIL_ONLY = (
    "actorkit_journal takes events only from actorkit_journal_tail since actorkit schema "
    "version 2: upgrade actorkit in every process on this file"
)
"""What a process of version 1 that opened the file before the upgrade gets on a write."""

VERSION_1 = [
    """CREATE TABLE actorkit_journal (
    persistence_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    time REAL NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (persistence_id, seq)
) STRICT, WITHOUT ROWID""",
    """CREATE TABLE actorkit_snapshots (
    persistence_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    payload BLOB NOT NULL
) STRICT""",
    """CREATE TABLE actorkit_states (
    persistence_id TEXT PRIMARY KEY,
    revision INTEGER NOT NULL,
    payload BLOB NOT NULL
) STRICT""",
    """CREATE TABLE actorkit_reminders (
    persistence_id TEXT NOT NULL,
    key TEXT NOT NULL,
    due REAL NOT NULL,
    every REAL,
    payload BLOB NOT NULL,
    PRIMARY KEY (persistence_id, key)
) STRICT""",
]
_VERSION_2 = [
    """CREATE TABLE actorkit_journal_tail (
    position INTEGER PRIMARY KEY,
    persistence_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    time REAL NOT NULL,
    payload BLOB NOT NULL,
    UNIQUE (persistence_id, seq)
) STRICT""",
    """CREATE TRIGGER actorkit_tail_after_journal BEFORE INSERT ON actorkit_journal_tail
WHEN EXISTS (SELECT 1 FROM actorkit_journal AS j
    WHERE j.persistence_id = NEW.persistence_id AND j.seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT,
        'UNIQUE constraint failed: actorkit_journal.persistence_id, actorkit_journal.seq');
END""",
    f"""CREATE TRIGGER actorkit_journal_from_tail BEFORE INSERT ON actorkit_journal
WHEN NOT EXISTS (SELECT 1 FROM actorkit_journal_tail AS t
    WHERE t.persistence_id = NEW.persistence_id AND t.seq = NEW.seq
    AND t.time = NEW.time AND t.payload = NEW.payload)
BEGIN
    SELECT RAISE(ABORT, '{_FROM_TAIL_ONLY}');
END""",
    """CREATE VIEW actorkit_events AS
SELECT persistence_id, seq, time, payload FROM actorkit_journal
UNION ALL
SELECT persistence_id, seq, time, payload FROM actorkit_journal_tail""",
]
_SCHEMA_TABLE = "CREATE TABLE actorkit_schema (version INTEGER NOT NULL) STRICT"
SCHEMA = [_SCHEMA_TABLE, f"INSERT INTO actorkit_schema VALUES ({VERSION})", *VERSION_1, *_VERSION_2]
MADE = {1: (_SCHEMA_TABLE, *VERSION_1), VERSION: (_SCHEMA_TABLE, *VERSION_1, *_VERSION_2)}
"""What a file of each version holds: what a store that opens it checks it holds still."""
_UPGRADE_FROM_1 = [*_VERSION_2, f"UPDATE actorkit_schema SET version = {VERSION}"]

TABLES = table_names("\n".join(SCHEMA))


async def schema_version(conn: aiosqlite.Connection) -> object:
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
    that actorkit did not make (another program's), or actorkit's changed by hand, is refused
    as it was found. One query for the names, so a process creating the schema meanwhile is
    seen before or after, whole; one for the tables' shape, which a process upgrading the
    file meanwhile leaves as it was, adding only the tables of the next version."""
    where = f"SQLite store {path}"
    marks = ",".join("?" for _ in TABLES)
    rows = await conn.execute_fetchall(
        f"SELECT name FROM sqlite_master WHERE name IN ({marks}) ORDER BY name", TABLES
    )
    names = [row[0] for row in rows]
    if "actorkit_schema" in names:
        found = await schema_version(conn)
        needs_creating(found, where, VERSION, UPGRADES)
        assert isinstance(found, int)
        await refuse_changed_tables(conn, where, MADE[found])
    else:
        refuse_foreign_tables(names, where, "file")


async def create_or_upgrade(conn: aiosqlite.Connection, path: str) -> None:
    """Reads the schema version in a write transaction (`BEGIN IMMEDIATE`, so one process at a
    time); creates the schema when absent, upgrades an older one in place, all or nothing."""
    await conn.execute("BEGIN IMMEDIATE")
    try:
        found = await schema_version(conn)
        if needs_creating(found, f"SQLite store {path}", VERSION, UPGRADES):
            statements = SCHEMA
        else:
            statements = _UPGRADE_FROM_1 if found == 1 else []
        for statement in statements:
            await conn.execute(statement)
        await conn.execute("COMMIT")
    except BaseException:
        await rollback(conn)
        raise


async def connect(
    path: str, synchronous: str, timeout: float, opened: list[aiosqlite.Connection]
) -> tuple[aiosqlite.Connection, aiosqlite.Connection]:
    """The writer (WAL, `synchronous`, schema created, checked or upgraded) and the reader,
    both waiting up to `timeout` for another process's lock; each connection goes into
    `opened` as soon as it exists, for the caller to close on failure."""
    await to_thread(probe, path)
    writer = await open_connection(path, timeout)
    opened.append(writer)
    await refuse_foreign(writer, path)
    await writer.execute("PRAGMA journal_mode = WAL")
    await writer.execute(f"PRAGMA synchronous = {synchronous}")
    await create_or_upgrade(writer, path)
    reader = await open_connection(path, timeout)
    opened.append(reader)
    await reader.execute("PRAGMA query_only = ON")
    return writer, reader
