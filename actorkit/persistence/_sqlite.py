"""`SQLiteStore`: the embedded store, one file in WAL mode, zero set-up.

Two connections: one writer, owned by the group commit (every write goes through it, so one
transaction at a time), and one reader, which in WAL mode sees the last commit without waiting
for the writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import Sequence
from typing import Any, Literal

import aiosqlite

from ._group_commit import GroupCommit
from ._sql_store import Queries, SQLStore
from ._sqlite_db import SQLiteTransaction, create_or_check, translated, write_transaction

BUSY_TIMEOUT = 10.0
"""Seconds a connection waits for another process's write lock before it fails."""

_QUERIES = Queries(
    read_page="SELECT seq, time, payload FROM actorkit_journal WHERE persistence_id = ? "
    "AND seq >= ? ORDER BY seq LIMIT ?",
    highest="SELECT max(seq) FROM actorkit_journal WHERE persistence_id = ?",
    load_snapshot="SELECT seq, payload FROM actorkit_snapshots WHERE persistence_id = ?",
    save_snapshot="INSERT INTO actorkit_snapshots VALUES (?, ?, ?) ON CONFLICT (persistence_id) "
    "DO UPDATE SET seq = excluded.seq, payload = excluded.payload "
    "WHERE excluded.seq >= actorkit_snapshots.seq",
    load_state="SELECT revision, payload FROM actorkit_states WHERE persistence_id = ?",
    put_reminder="INSERT OR REPLACE INTO actorkit_reminders VALUES (?, ?, ?, ?, ?)",
    delete_reminder="DELETE FROM actorkit_reminders WHERE persistence_id = ? AND key = ?",
    reminders="SELECT key, due, every, payload FROM actorkit_reminders "
    "WHERE persistence_id = ? ORDER BY key",
)


class SQLiteStore(SQLStore[SQLiteTransaction]):
    """`synchronous="FULL"` (the default) syncs the WAL on every commit, so a committed write
    survives a power loss; `"NORMAL"` syncs less often and may lose the last commits (never
    corrupt the file) in a power loss, though not in a crash of the process."""

    queries = _QUERIES

    def __init__(
        self, path: str | os.PathLike[str], *, synchronous: Literal["FULL", "NORMAL"] = "FULL"
    ) -> None:
        super().__init__()
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f'synchronous must be "FULL" or "NORMAL", got {synchronous!r}')
        self.path = os.fspath(path)
        if self.path in ("", ":memory:") or self.path.startswith("file:"):
            raise ValueError(
                f"SQLiteStore needs a file path, got {self.path!r} (use MemoryStore for tests)"
            )
        self.synchronous = synchronous
        self._connections: list[aiosqlite.Connection] = []
        self._reader: aiosqlite.Connection | None = None

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r}, synchronous={self.synchronous!r})"

    async def _connect(self) -> GroupCommit[SQLiteTransaction]:
        try:
            with translated(self.path, "opening the database"):
                await asyncio.to_thread(_probe, self.path)
                writer = await self._connection()
                await writer.execute("PRAGMA journal_mode = WAL")
                await writer.execute(f"PRAGMA synchronous = {self.synchronous}")
                await create_or_check(writer, self.path)
                reader = await self._connection()
                await reader.execute("PRAGMA query_only = ON")
                self._reader = reader
        except BaseException:
            await self._disconnect()
            raise
        return GroupCommit(lambda: write_transaction(writer, self.path), self._observe)

    async def _connection(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        self._connections.append(conn)
        return conn

    async def _disconnect(self) -> None:
        connections, self._connections, self._reader = self._connections, [], None
        for conn in connections:
            with contextlib.suppress(Exception):  # one that failed half-open has nothing left
                await conn.close()

    async def _fetch(self, query: str, *args: object) -> Sequence[Sequence[Any]]:
        assert self._reader is not None, "reads wait for open()"
        with translated(self.path, "a read"):
            return list(await self._reader.execute_fetchall(query, args))

    @staticmethod
    async def _execute(tx: SQLiteTransaction, query: str, *args: object) -> int:
        cursor = await tx.conn.execute(query, args)
        return cursor.rowcount


def _probe(path: str) -> None:
    """Opens the file once without aiosqlite: a connection that fails to open leaves
    aiosqlite's thread reporting to the event loop after the caller has moved on."""
    sqlite3.connect(path).close()
