"""Every wait on the database ends within the store's stated bound (`timeout=`) with
`PersistenceError`: a lock another PostgreSQL session holds, a PostgreSQL server that stopped
answering, another process's SQLite write lock. A write that times out fails its whole batch,
none of the batch is written, and the store works again once the wait is over."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Sequence
from pathlib import Path

import asyncpg
import pytest

from actorkit.persistence import PersistenceError, PostgresStore, SQLiteStore, Store
from actorkit.persistence import _postgres as postgres_store
from tests.processes import process

from .conftest import UVLOOP_ONLY
from .postgres_server import PostgresServer
from .refusing_triggers import attempts

TIMED_OUT = "did not answer within the store's timeout"
ROUNDS_APART = 2.0
"""Seconds between a busy pool's bounded waits (0.5 s at most) and its unbounded queue (4 s)."""


async def three_writes(
    store: Store,
) -> tuple[float | BaseException, float | BaseException, int | BaseException]:
    """Three actors' writes, which the group commit carries in one batch."""
    return await asyncio.gather(
        store.append("a", 1, [b"2"]),
        store.append("b", 0, [b"1"]),
        store.save_state("s", 0, b"state"),
        return_exceptions=True,
    )


def assert_each_failed(results: Sequence[object], said: str) -> None:
    assert [type(result) for result in results] == [PersistenceError] * len(results), results
    assert all(said in str(result) for result in results), results


async def assert_none_written_then_writable(store: Store) -> None:
    assert [e.payload async for e in store.read("a")] == [b"1"]
    assert await store.highest_seq("b") == 0
    assert await store.load_state("s") is None
    a, b, s = await three_writes(store)
    assert isinstance(a, float) and isinstance(b, float) and s == 1
    assert [e.payload async for e in store.read("a")] == [b"1", b"2"]
    assert await store.highest_seq("b") == 1


async def test_a_lock_another_postgres_session_holds_ends_each_call_after_the_timeout(
    postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    dsn = postgres.fresh()
    async with PostgresStore(dsn) as setup:  # the schema, made without the short timeout
        await setup.append("a", 0, [b"1"])  # (a loaded machine can take longer than it)
    async with asyncio.timeout(20), PostgresStore(dsn, timeout=0.5) as store:
        rival = await asyncpg.connect(dsn)
        tried = attempts(store, monkeypatch)
        try:
            async with rival.transaction():
                await rival.execute(
                    "LOCK TABLE actorkit_journal, actorkit_states IN ACCESS EXCLUSIVE MODE"
                )
                results = await three_writes(store)
                with pytest.raises(PersistenceError, match=TIMED_OUT):
                    await store.highest_seq("a")
        finally:
            await rival.close()
        assert_each_failed(results, TIMED_OUT)
        assert tried == [3]  # a timeout is no refusal: the writes are not retried one by one
        await assert_none_written_then_writable(store)


async def test_waiting_for_a_busy_postgres_pool_ends_after_the_timeout(
    postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Calls queued behind a pool whose every connection waits on a lock: each waits for a
    connection at most the timeout, then for its statement at most the timeout, so none
    fails later than twice it (0.5 s). Without the bound, the last of them waited for every
    round of the pool before it: sixteen rounds here, 4 s. `ROUNDS_APART` sits between the
    two, far enough from each for a loaded machine."""
    monkeypatch.setattr(postgres_store, "POOL_SIZE", 1)
    dsn = postgres.fresh()
    async with asyncio.timeout(20), PostgresStore(dsn, timeout=0.25) as store:
        await store.append("a", 0, [b"1"])
        loop = asyncio.get_running_loop()
        rival = await asyncpg.connect(dsn)
        try:
            async with rival.transaction():
                await rival.execute("LOCK TABLE actorkit_journal IN ACCESS EXCLUSIVE MODE")
                began = loop.time()

                async def timed(call: Awaitable[object]) -> tuple[float, object]:
                    try:
                        result = await call
                    except PersistenceError as error:
                        result = error
                    return loop.time() - began, result

                calls: list[Awaitable[object]] = [store.highest_seq("a") for _ in range(15)]
                calls.append(store.append("a", 1, [b"2"]))
                results = await asyncio.gather(*map(timed, calls))
        finally:
            await rival.close()
        assert_each_failed([error for _, error in results], TIMED_OUT)
        assert max(took for took, _ in results) < ROUNDS_APART, results
        assert [e.payload async for e in store.read("a")] == [b"1"]


@UVLOOP_ONLY
async def test_a_postgres_server_that_stopped_answering_ends_each_call_in_bounded_time(
    postgres: PostgresServer,
) -> None:
    """The writes' connection is dropped once its cancel request goes unanswered too; the
    read then needs a new connection, which the timeout bounds as well. Closing the store
    does not wait for the server either."""
    async with asyncio.timeout(20):
        store = PostgresStore(postgres.fresh(), timeout=0.5)
        await store.open()
        try:
            await store.append("a", 0, [b"1"])
            with postgres.paused():
                results = await three_writes(store)
                with pytest.raises(PersistenceError, match=TIMED_OUT):
                    await store.highest_seq("a")
            assert_each_failed(results, TIMED_OUT)
            await assert_none_written_then_writable(store)
            with postgres.paused():
                await store.close()
        finally:
            await store.close()


HOLD_THE_WRITE_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
sys.stdin.read()
"""


@UVLOOP_ONLY
async def test_sqlite_ends_a_wait_for_another_processs_write_lock_after_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "shared.db"
    async with asyncio.timeout(20), SQLiteStore(path, timeout=0.3) as store:
        await store.append("a", 0, [b"1"])
        args = (sys.executable, "-c", HOLD_THE_WRITE_LOCK, str(path))
        async with process(*args, stdin=asyncio.subprocess.PIPE) as holder:
            assert holder.stdin is not None and holder.stdout is not None
            assert await holder.stdout.readline() == b"holding\n"
            tried = attempts(store, monkeypatch)
            results = await three_writes(store)
            holder.stdin.close()
            assert await holder.wait() == 0
        assert_each_failed(results, "database is locked (another process held the write lock")
        assert tried == [3]
        await assert_none_written_then_writable(store)
