"""The hand-written sides of the persistence benchmarks: what one would write on aiosqlite or
asyncpg without actorkit, on a table of the same shape as the store's journal.

- `naive`: every event its own transaction (INSERT + COMMIT), one writer at a time on the
  connection (SQLite) or on a pool of the store's size (PostgreSQL);
- `grouped`: a flusher task that takes every pending event, inserts them with one
  `executemany` in one transaction, commits and wakes their writers: group commit without
  fencing, error handling or anything else;
- `sequential`: one writer, awaiting INSERT + COMMIT per event;
- `scan`: one SELECT of a whole journal, then the codec's decode of each payload.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import aiosqlite

from actorkit._wire import Codec

SQLITE_TABLE = (
    "CREATE TABLE IF NOT EXISTS raw_journal (persistence_id TEXT NOT NULL, seq INTEGER NOT NULL,"
    " time REAL NOT NULL, payload BLOB NOT NULL, PRIMARY KEY (persistence_id, seq))"
    " STRICT, WITHOUT ROWID"
)
POSTGRES_TABLE = (
    "CREATE TABLE IF NOT EXISTS raw_journal (persistence_id text NOT NULL, seq bigint NOT NULL,"
    " time double precision NOT NULL, payload bytea NOT NULL, PRIMARY KEY (persistence_id, seq))"
)
Row = tuple[str, int, float, bytes]


class Raw(Protocol):
    """One database, hand-driven: the same verbs on aiosqlite and asyncpg."""

    async def insert_one(self, row: Row) -> None: ...

    async def insert_many(self, rows: list[Row]) -> None: ...

    async def scan(self, persistence_id: str) -> list[Any]: ...

    async def close(self) -> None: ...


class RawSQLite:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self.lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str, synchronous: str = "FULL") -> RawSQLite:
        conn = await aiosqlite.connect(path, isolation_level=None)
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute(f"PRAGMA synchronous = {synchronous}")
        await conn.execute(SQLITE_TABLE)
        return cls(conn)

    async def insert_one(self, row: Row) -> None:
        async with self.lock:  # one connection: one transaction at a time
            await self.conn.execute("BEGIN")
            await self.conn.execute("INSERT INTO raw_journal VALUES (?, ?, ?, ?)", row)
            await self.conn.execute("COMMIT")

    async def insert_many(self, rows: list[Row]) -> None:
        await self.conn.execute("BEGIN")
        await self.conn.executemany("INSERT INTO raw_journal VALUES (?, ?, ?, ?)", rows)
        await self.conn.execute("COMMIT")

    async def scan(self, persistence_id: str) -> list[Any]:
        return list(
            await self.conn.execute_fetchall(
                # the view over SQLite's journal and its tail: where the store's events are
                "SELECT seq, time, payload FROM actorkit_events WHERE persistence_id = ? "
                "ORDER BY seq",
                (persistence_id,),
            )
        )

    async def close(self) -> None:
        await self.conn.close()


class RawPostgres:
    def __init__(self, pool: Any) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, dsn: str, size: int) -> RawPostgres:
        import asyncpg

        pool = await asyncpg.create_pool(dsn, min_size=size, max_size=size)
        await pool.execute(POSTGRES_TABLE)
        return cls(pool)

    async def insert_one(self, row: Row) -> None:
        await self.pool.execute("INSERT INTO raw_journal VALUES ($1, $2, $3, $4)", *row)

    async def insert_many(self, rows: list[Row]) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.executemany("INSERT INTO raw_journal VALUES ($1, $2, $3, $4)", rows)

    async def scan(self, persistence_id: str) -> list[Any]:
        rows: list[Any] = await self.pool.fetch(
            "SELECT seq, time, payload FROM actorkit_journal WHERE persistence_id = $1 "
            "ORDER BY seq",
            persistence_id,
        )
        return rows

    async def close(self) -> None:
        await self.pool.close()


class Flusher:
    """Hand-written group commit: writers queue a row and wait; one task commits them all."""

    def __init__(self, raw: Raw) -> None:
        self.raw = raw
        self.pending: list[tuple[Row, asyncio.Future[None]]] = []
        self.task: asyncio.Task[None] | None = None

    async def write(self, row: Row) -> None:
        future = asyncio.get_running_loop().create_future()
        self.pending.append((row, future))
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self.flush())
        await future

    async def flush(self) -> None:
        while self.pending:
            batch, self.pending = self.pending, []
            await self.raw.insert_many([row for row, _ in batch])
            for _, future in batch:
                future.set_result(None)
        self.task = None


async def writers(count: int, per_writer: int, write: Callable[[int, int], Awaitable[Any]]) -> None:
    """`count` concurrent writers, each writing `per_writer` events one after another."""

    async def writer(w: int) -> None:
        for seq in range(per_writer):
            await write(w, seq)

    await asyncio.gather(*(writer(w) for w in range(count)))


def decode_all(rows: list[Any]) -> int:
    codec = Codec()
    decoded = [codec.decode(row[2])[0] for row in rows]
    return len(decoded)
