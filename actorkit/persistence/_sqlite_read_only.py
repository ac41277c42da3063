"""Reading a SQLite store without writing a byte or creating a file, for the journal command.

`mode=ro` alone is not enough on a database in WAL mode: SQLite then creates the `-wal` and
`-shm` files beside it (or fails, in a directory the reader may not write). What it can do:

- No `-wal`, or an empty one (a clean shutdown removes it): the database file holds every
  commit, and `immutable=1` reads it with no lock and no other file. SQLite then trusts the
  file not to change, so each read checks that it did not (`Unchanged`): a system that starts
  writing meanwhile makes the read fail, never return a torn page.
- A `-wal` holding commits, with its `-shm` (a running system, or one that crashed): `mode=ro`
  reads through both, as any reader does, creating nothing.
- A `-wal` holding commits without its `-shm`: reading the log would create the `-shm`, so
  the read is refused, saying how to fold the log into the file first.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from urllib.parse import quote

import aiosqlite

from .._errors import PersistenceError
from .._thread_turns import to_thread
from ._schema import check_readable
from ._sqlite_db import open_connection, probe
from ._sqlite_schema import MADE, UPGRADES, VERSION, schema_version
from ._sqlite_shape import refuse_changed_tables

Fingerprint = tuple[int, int, int, int] | None


def _fingerprint(path: str) -> Fingerprint:
    """What a write to the file changes: a checkpoint moves its size or modification time."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


class Unchanged:
    """Awaited after each read of a file opened `immutable=1`."""

    def __init__(self, path: str, seen: Fingerprint) -> None:
        self.path = path
        self.seen = seen

    async def __call__(self) -> None:
        if await to_thread(_fingerprint, self.path) != self.seen:
            raise PersistenceError(
                f"SQLite store {self.path} changed while it was read (a process opened it "
                "and wrote to it): what was read may be inconsistent; run the command again"
            )


def _open(path: str) -> tuple[str, Unchanged | None]:
    """The URI to read `path` with, probed (`probe`), and the check of an immutable read.
    The path absolute, after an empty authority (`file:///...`), so no path reads as a host;
    quoted as the file system's bytes, so that a name that is not UTF-8 reads as itself."""
    absolute = os.path.abspath(path)
    uri = f"file://{quote(os.fsencode(absolute))}?mode=ro"
    seen = _fingerprint(absolute)  # before the log is looked at: a checkpoint after it shows
    try:
        logged = os.path.getsize(absolute + "-wal")
    except FileNotFoundError:
        logged = 0
    if not logged:
        probe(f"{uri}&immutable=1", uri=True)
        return f"{uri}&immutable=1", Unchanged(absolute, seen)
    if not os.path.exists(absolute + "-shm"):
        raise PersistenceError(
            f"SQLite store {path}: {path}-wal holds commits not yet in the file, and reading "
            f"them would create {path}-shm, which this read-only command does not do: open "
            "the store once with SQLiteStore (start the system that owns it; a clean shutdown "
            "folds the log into the file and removes it), then run the command again"
        )
    probe(uri, uri=True)  # the file itself: what stops opening it is said as for any open
    try:
        _read_through(uri)
    except sqlite3.OperationalError as error:
        raise PersistenceError(
            f"SQLite store {path}: reading it through its write-ahead log failed: {error} "
            f"(this needs read access to {path}-wal and {path}-shm: run the command as a "
            "user who may read them, such as the store's owner)"
        ) from error
    return uri, None


def _read_through(uri: str) -> None:
    """A read, which opens the `-wal` and `-shm` (opening the file alone does not): one the
    reader may not read fails here, said as such, not at the first read as a file to open."""
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()


async def connect_read_only(
    path: str, timeout: float, opened: list[aiosqlite.Connection]
) -> tuple[aiosqlite.Connection, Unchanged | None, int]:
    """A reader on a file that holds the actorkit schema, the check to await after each
    read (None when SQLite's own locking keeps the reads consistent), and the schema's
    version: a file of an older one is read as it is, never upgraded."""
    uri, unchanged = await to_thread(_open, path)
    reader = await open_connection(uri, timeout, uri=True)
    opened.append(reader)
    where = f"SQLite store {path}"
    version = await schema_version(reader)
    check_readable(version, where, VERSION, UPGRADES)
    assert isinstance(version, int)
    await refuse_changed_tables(reader, where, MADE[version])
    if unchanged is not None:
        await unchanged()
    return reader, unchanged, version
