"""`SQLiteStore`: the embedded store, one file in WAL mode, zero set-up.

Two connections: one writer, owned by the group commit (every write goes through it, so one
transaction at a time), and one reader, which in WAL mode sees the last commit without waiting
for the writer. aiosqlite loads when a store opens, not with `actorkit.persistence`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Literal

from .._errors import PersistenceError
from .._exact import exact_str
from .._seconds import check_seconds
from .._shown import given
from .._thread_turns import thread_turns
from ._group_commit import GroupCommit
from ._sql_store import Queries, SQLStore

if TYPE_CHECKING:
    import aiosqlite

    from ._sqlite_db import SQLiteTransaction
    from ._sqlite_read_only import Unchanged

_LAST = (
    "last(seq) AS MATERIALIZED (SELECT CASE WHEN sum(n) < (SELECT size FROM p) THEN max(seq) "
    "ELSE (SELECT max(seq) FROM (SELECT seq, sum(n) OVER (ORDER BY seq ROWS UNBOUNDED "
    "PRECEDING) - n AS before FROM page) WHERE before < (SELECT size FROM p)) END FROM page)"
)
"""The last event of a page, found from `page`, its events' sizes (`length` reads a blob's
size, not the blob), so that only the events up to it are read whole (`PAGE_BYTES`). The
running sum only when the page is too large: its sort doubled the time of a page's query.
Computed once for both tables of the journal's view (`MATERIALIZED`), and `page` scanned a
second time only for the running sum (`NOT MATERIALIZED`)."""

_QUERIES = Queries(
    read_page="WITH p(pid, first, lim, size) AS (VALUES (?, ?, ?, ?)), page AS NOT "
    "MATERIALIZED (SELECT seq, length(payload) AS n FROM actorkit_events WHERE persistence_id = "
    "(SELECT pid FROM p) AND seq >= (SELECT first FROM p) ORDER BY seq LIMIT (SELECT lim FROM p)"
    f"), {_LAST} SELECT seq, time, payload FROM actorkit_events WHERE persistence_id = (SELECT "
    "pid FROM p) AND seq >= (SELECT first FROM p) AND seq <= (SELECT seq FROM last) ORDER BY seq",
    # each table's own index, newest first: max() over the view would read every event
    highest="SELECT max(seq) FROM (SELECT seq FROM actorkit_events WHERE persistence_id = ? "
    "ORDER BY seq DESC LIMIT 1)",
    load_snapshot="SELECT seq, payload FROM actorkit_snapshots WHERE persistence_id = ?",
    save_snapshot="INSERT INTO actorkit_snapshots VALUES (?, ?, ?) ON CONFLICT (persistence_id) "
    "DO UPDATE SET seq = excluded.seq, payload = excluded.payload "
    "WHERE excluded.seq >= actorkit_snapshots.seq",
    load_state="SELECT revision, payload FROM actorkit_states WHERE persistence_id = ?",
    put_reminder="INSERT OR REPLACE INTO actorkit_reminders VALUES (?, ?, ?, ?, ?)",
    delete_reminder="DELETE FROM actorkit_reminders WHERE persistence_id = ? AND key = ?",
    reminders="SELECT key, due, every, payload FROM actorkit_reminders "
    "WHERE persistence_id = ? ORDER BY key",
    # the id bound once (numbered marks warn on some Pythons), compared as a constant: each
    # table's index serves it
    recover_journal="WITH p(pid, lim, size) AS (VALUES (?, ?, ?)), s AS (SELECT seq, payload "
    "FROM actorkit_snapshots WHERE persistence_id = (SELECT pid FROM p)), page AS NOT "
    "MATERIALIZED (SELECT seq, length(payload) AS n FROM actorkit_events WHERE persistence_id = "
    "(SELECT pid FROM p) AND seq > coalesce((SELECT seq FROM s), 0) ORDER BY seq LIMIT (SELECT "
    f"lim FROM p)), {_LAST} "
    "SELECT 0, seq, NULL, NULL, NULL, payload FROM s UNION ALL SELECT 1, seq, time, NULL, NULL, "
    "payload FROM actorkit_events WHERE persistence_id = (SELECT pid FROM p) AND seq > "
    "coalesce((SELECT seq FROM s), 0) AND seq <= (SELECT seq FROM last) "
    "UNION ALL SELECT 3, NULL, due, every, key, payload FROM actorkit_reminders "
    "WHERE persistence_id = (SELECT pid FROM p) UNION ALL SELECT 4, NULL, NULL, NULL, NULL, "
    "NULL FROM actorkit_states WHERE persistence_id = (SELECT pid FROM p) "
    "UNION ALL SELECT 5, (SELECT seq FROM actorkit_events WHERE persistence_id = (SELECT pid "
    "FROM p) ORDER BY seq DESC LIMIT 1), NULL, NULL, NULL, NULL FROM s",
    recover_state="WITH p(pid) AS (VALUES (?)) SELECT 2, revision, NULL, NULL, NULL, payload "
    "FROM actorkit_states WHERE persistence_id = (SELECT pid FROM p) UNION ALL SELECT 3, NULL, "
    "due, every, key, payload FROM actorkit_reminders WHERE persistence_id = (SELECT pid FROM p) "
    "UNION ALL SELECT 4, NULL, NULL, NULL, NULL, NULL WHERE EXISTS (SELECT 1 FROM "
    "actorkit_events WHERE persistence_id = (SELECT pid FROM p)) OR EXISTS (SELECT 1 FROM "
    "actorkit_snapshots WHERE persistence_id = (SELECT pid FROM p))",
)

_VERSION_1_QUERIES = dataclasses.replace(
    _QUERIES,
    read_page=_QUERIES.read_page.replace("actorkit_events", "actorkit_journal"),
    highest=_QUERIES.highest.replace("actorkit_events", "actorkit_journal"),
    recover_journal=_QUERIES.recover_journal.replace("actorkit_events", "actorkit_journal"),
    recover_state=_QUERIES.recover_state.replace("actorkit_events", "actorkit_journal"),
)
"""For a file of schema version 1 opened read-only, which has no tail: read, not upgraded."""

TIMEOUT = 10.0
"""Seconds a connection waits by default for a lock another process holds on the file."""
LONGEST_TIMEOUT = (2**31 - 1) / 1000
"""SQLite keeps its busy timeout in milliseconds, in a C int; past that it waits not at all."""


def _absolute(path: str) -> str:
    """The file SQLite opens for `path`: a relative one from the working directory now, which
    a daemon may leave later (and which may be gone: only an absolute path opens then)."""
    return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)


def _identity(path: str) -> tuple[int, int] | None:
    """The file at `path` (its device and inode), None when there is none. SQLite writes on
    through the descriptors it opened, so a write is refused when the database file, its
    write-ahead log (which holds the commits not yet copied into the file) or the log's index
    (where processes on the file see each other's locks) has changed since the store opened;
    SQLite deletes neither while a connection of the store is open. Three stats a batch,
    against a commit's sync."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


class SQLiteStore(SQLStore["SQLiteTransaction"]):
    """`synchronous="FULL"` (the default) syncs the WAL on every commit, so a committed write
    survives a power loss; `"NORMAL"` syncs less often and may lose the last commits (never
    corrupt the file) in a power loss, though not in a crash of the process.

    `timeout` is SQLite's busy timeout: how long a call waits for a lock another process holds
    on the file (its write lock, mostly) before it fails with `PersistenceError`."""

    queries: Queries = _QUERIES

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        timeout: float = TIMEOUT,
    ) -> None:
        super().__init__()
        if not isinstance(synchronous, str) or exact_str(synchronous) not in ("FULL", "NORMAL"):
            raise ValueError(f'synchronous must be "FULL" or "NORMAL", got {given(synchronous)}')
        synchronous = "FULL" if exact_str(synchronous) == "FULL" else "NORMAL"
        self.timeout: float = check_seconds(timeout, "SQLiteStore timeout")
        if self.timeout > LONGEST_TIMEOUT:
            raise ValueError(
                f"SQLiteStore timeout must be at most {LONGEST_TIMEOUT:,} seconds (about 24 "
                f"days; SQLite counts it in milliseconds in 32 bits), got {self.timeout!r}"
            )
        self.path: str = os.fspath(path) if isinstance(path, str | os.PathLike) else path
        if isinstance(self.path, str):
            self.path = exact_str(self.path)  # compared and opened: no __eq__ of a subclass
        if not isinstance(self.path, str):  # bytes, os.PathLike[bytes], or not a path at all
            raise TypeError(
                f"SQLiteStore path must be a str or a pathlib.Path such as 'bank.db', got "
                f"{type(path).__name__} {given(path)}"
            )
        if "\x00" in self.path:
            raise ValueError(
                f"SQLiteStore path must not contain NUL ('\\x00'), got {given(self.path)}"
            )
        try:
            os.fsencode(self.path)  # what opening it does, at start: refused here instead
        except UnicodeEncodeError:
            raise ValueError(
                "SQLiteStore path must be text the file system can encode (a lone surrogate "
                f"such as '\\ud800' cannot be), got {self.path!r}"
            ) from None
        scheme = self.path.partition("://")[0]
        if scheme != self.path and scheme.isalnum():
            raise ValueError(
                f"SQLiteStore takes a file path, not a URL: got {self.path!r}; pass the path "
                "itself, SQLiteStore('shop.db') (the sqlite:///shop.db form is the journal "
                "command's)"
            )
        if self.path in ("", ":memory:") or self.path.startswith("file:"):
            raise ValueError(
                f"SQLiteStore needs a file path, got {self.path!r} (use MemoryStore for tests)"
            )
        self.synchronous = synchronous
        self._connections: list[aiosqlite.Connection] = []
        self._reader: aiosqlite.Connection | None = None
        self._unchanged: Unchanged | None = None

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r}, synchronous={self.synchronous!r})"

    async def _connect(self) -> GroupCommit[SQLiteTransaction]:
        from . import _sqlite_db as db
        from ._sqlite_schema import connect

        try:
            with thread_turns(), db.translated(self.path, "opening the database"):
                # what SQLite opens: a relative path from the working directory now
                where = _absolute(self.path)
                writer, self._reader = await connect(
                    self.path, self.synchronous, self.timeout, self._connections
                )
                tail = await db.found_tail(writer)
                opened = [
                    (name, _identity(name)) for name in (where, f"{where}-wal", f"{where}-shm")
                ]
        except BaseException:
            await self._disconnect()
            raise

        def begin(alone: bool) -> AbstractAsyncContextManager[SQLiteTransaction]:
            for name, identity in opened:
                if identity is not None and _identity(name) != identity:
                    raise PersistenceError(
                        f"SQLite store {self.path}: a write failed: {name} was deleted or "
                        "replaced while the store had it open, and SQLite would write to the "
                        "deleted file, whose contents are lost when the store closes or the "
                        "process ends: put the file back, or restart the system to open the "
                        "store anew"
                    )
            return db.write_transaction(writer, self.path, alone, tail)

        return GroupCommit(begin, self._observe)

    async def _connect_read_only(self) -> None:
        from ._sqlite_db import translated
        from ._sqlite_read_only import connect_read_only

        try:
            with thread_turns(), translated(self.path, "opening the database read-only"):
                self._reader, self._unchanged, version = await connect_read_only(
                    self.path, self.timeout, self._connections
                )
            if version == 1:
                self.queries = _VERSION_1_QUERIES
        except BaseException:
            await self._disconnect()
            raise

    async def _disconnect(self) -> None:
        connections, self._connections, self._reader = self._connections, [], None
        self._unchanged = None
        for conn in connections:
            # one that failed half-open has nothing left
            with thread_turns(), contextlib.suppress(Exception):
                await conn.close()

    async def _fetch(self, query: str, *args: object) -> Sequence[Sequence[Any]]:
        from ._sqlite_db import translated

        assert self._reader is not None, "reads wait for open()"
        with thread_turns(), translated(self.path, "a read"):
            rows = list(await self._reader.execute_fetchall(query, args))
        if self._unchanged is not None:  # read-only, from a file SQLite takes as immutable
            await self._unchanged()
        return rows

    @staticmethod
    async def _execute(tx: SQLiteTransaction, query: str, *args: object) -> int:
        cursor = await tx.conn.execute(query, args)
        return cursor.rowcount
