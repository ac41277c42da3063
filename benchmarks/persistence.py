"""Persistence: the stores' writes and reads against hand-written aiosqlite and asyncpg code
(`_persistence_raw`), 64-byte events, SQLite in WAL mode with `synchronous=FULL`.

- `persist_{sqlite,postgres}_naive`: 100 concurrent writers (one journal each, each append
  awaited before the next) through the store's group commit, against each event committed in
  its own transaction (target >= 10x);
- `persist_{sqlite,postgres}_grouped`: the same writers against a hand-written group-commit
  flusher with no fencing (target >= 0.7x);
- `persist_{sqlite,postgres}_sequential`: one writer, one event per append, against an
  awaited INSERT + COMMIT per event (target >= 0.8x);
- `recover_{sqlite,postgres}`: `store.events()` over a journal of 100,000 events against one
  SELECT of the same rows and the codec's decode of each (target >= 0.5x).

Only with `--only persistence` (or a bench's name). PostgreSQL runs on a temporary server
started as the tests start theirs (`tests/persistence/postgres_server.py`; fsync on).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import actorkit
from actorkit.persistence import PostgresStore, SQLiteStore
from actorkit.persistence._payload import encode
from actorkit.persistence._postgres import POOL_SIZE

from . import _persistence_raw as raw
from ._harness import Bench, Figures, Metric, Side, Stopwatch

if TYPE_CHECKING:
    from tests.persistence.postgres_server import PostgresServer

GROUP = "persistence"
Kind = str
"""sqlite or postgres"""
WRITERS = 100


@actorkit.message("bench.Recorded")
@dataclass(frozen=True)
class Recorded:
    data: bytes


EVENT = encode(Recorded(b"x" * 36))
assert len(EVENT) == 64, len(EVENT)


class Databases:
    """A fresh SQLite file or PostgreSQL schema per run, so no run inherits a bigger table."""

    def __init__(self) -> None:
        self.root: str | None = None
        self.server: PostgresServer | None = None

    def sqlite(self) -> str:
        if self.root is None:
            self.root = tempfile.mkdtemp(prefix="actorkit-bench-")
            atexit.register(self.remove)
        return os.path.join(self.root, f"{uuid.uuid4().hex}.db")

    def postgres(self) -> str:
        if self.server is None:
            from tests.persistence.postgres_server import PostgresServer

            self.server = PostgresServer()
            atexit.register(self.remove)
            self.server.start()
        return self.server.fresh()

    def where(self, kind: Kind) -> str:
        return self.sqlite() if kind == "sqlite" else self.postgres()

    def remove(self) -> None:
        server, root, self.server, self.root = self.server, self.root, None, None
        if server is not None:
            server.remove()
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)


DATABASES = Databases()


def open_store(kind: Kind, where: str | None = None) -> SQLiteStore | PostgresStore:
    where = where or DATABASES.where(kind)
    return SQLiteStore(where) if kind == "sqlite" else PostgresStore(where)


async def open_raw(kind: Kind, where: str | None = None) -> raw.Raw:
    where = where or DATABASES.where(kind)
    if kind == "sqlite":
        return await raw.RawSQLite.open(where)
    return await raw.RawPostgres.open(where, POOL_SIZE)


def rate(n: int, seconds: float) -> Figures:
    return {"rate": n / seconds}


async def store_writers(kind: Kind, writers: int, n: int) -> Figures:
    per_writer = n // writers
    async with open_store(kind) as store:

        async def write(w: int, seq: int) -> None:
            await store.append(f"writer-{w}", seq, [EVENT])

        with Stopwatch() as clock:
            await raw.writers(writers, per_writer, write)
        assert await store.highest_seq("writer-0") == per_writer
    return rate(writers * per_writer, clock.seconds)


async def raw_writers(kind: Kind, grouped: bool, writers: int, n: int) -> Figures:
    per_writer = n // writers
    db = await open_raw(kind)
    try:
        insert: Callable[[raw.Row], Awaitable[None]]
        insert = raw.Flusher(db).write if grouped else db.insert_one

        async def write(w: int, seq: int) -> None:
            await insert((f"writer-{w}", seq + 1, time.time(), EVENT))

        with Stopwatch() as clock:
            await raw.writers(writers, per_writer, write)
    finally:
        await db.close()
    return rate(writers * per_writer, clock.seconds)


_journals: dict[Kind, str] = {}


async def journal(kind: Kind, n: int) -> str:
    """A database holding one journal of `n` events, written once per process."""
    if kind not in _journals:
        where = DATABASES.where(kind)
        async with open_store(kind, where) as store:
            for seq in range(0, n, 1000):
                await store.append("long", seq, [EVENT] * min(1000, n - seq))
        _journals[kind] = where
    return _journals[kind]


async def store_recovery(kind: Kind, n: int) -> Figures:
    async with open_store(kind, await journal(kind, n)) as store:
        with Stopwatch() as clock:
            count = sum([1 async for _ in store.events("long")])
    assert count == n
    return rate(n, clock.seconds)


async def raw_recovery(kind: Kind, n: int) -> Figures:
    db = await open_raw(kind, await journal(kind, n))
    try:
        with Stopwatch() as clock:
            count = raw.decode_all(await db.scan("long"))
    finally:
        await db.close()
    assert count == n
    return rate(n, clock.seconds)


DISK_RUNS = 5
"""Runs per side, at least, of the benches that one commit's fsync bounds (the naive and the
sequential writers): the disk's latency moves from one run to the next by more than the
target's margin (a single writer measured 0.77 and then 1.00 on one PostgreSQL server,
benchmarks/RESULTS.md), and a median of five stands where one of three does not."""


def bench(
    name: str, ours: Side, theirs: Side, target: float, size: int, is_: str, runs: int = 1
) -> Bench:
    return Bench(
        name,
        ours,
        theirs,
        (Metric("rate", "events/s", target=target),),
        size=size,
        quick_size=size // 10,
        baseline_is=is_,
        explicit=True,
        min_runs=runs,
    )


Writers = Callable[[Kind, int, int], Awaitable[Figures]]
Recovery = Callable[[Kind, int], Awaitable[Figures]]


def benches(prefix: str, writers: Writers, recovery: Recovery, recover_name: str) -> list[Bench]:
    """The issue's targets for one side (the stores alone, or durable actors) against the
    same hand-written baselines: writers naive, grouped and sequential, and recovery."""
    return [
        bench(
            f"{prefix}{kind}_{shape}",
            partial(writers, kind, count),
            partial(raw_writers, kind, grouped, count),
            target,
            size,
            is_,
            runs,
        )
        for kind in ("sqlite", "postgres")
        for shape, count, grouped, target, size, is_, runs in (
            ("naive", WRITERS, False, 10.0, 10_000, "a transaction per event", DISK_RUNS),
            ("grouped", WRITERS, True, 0.7, 40_000, "a hand-written group-commit flusher", 1),
            ("sequential", 1, False, 0.8, 2_000, "awaited INSERT + COMMIT", DISK_RUNS),
        )
    ] + [
        bench(
            f"{recover_name}{kind}",
            partial(recovery, kind),
            partial(raw_recovery, kind),
            0.5,
            100_000,
            "SELECT + codec decode",
        )
        for kind in ("sqlite", "postgres")
    ]


BENCHES = benches("persist_", store_writers, store_recovery, "recover_")
