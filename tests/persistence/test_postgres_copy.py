"""The journal's rows go in with `COPY`, which PostgreSQL refuses into a table with row-level
security: such a database still takes every write."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from actorkit.persistence import PersistenceError, PostgresStore
from actorkit.persistence._postgres_db import COPY_BYTES, COPY_ROWS

from .conftest import UVLOOP_ONLY
from .postgres_server import PostgresServer
from .test_store_timeouts import TIMED_OUT


async def row_level_security(postgres: PostgresServer) -> str:
    """The DSN of a role's own schema, whose journal has a row-level security policy (a
    first append made the schema)."""
    role = "r" + uuid.uuid4().hex[:12]
    postgres.psql(f"CREATE ROLE {role} LOGIN")
    postgres.psql(f"CREATE SCHEMA {role} AUTHORIZATION {role}")
    dsn = f"postgresql://{role}@127.0.0.1:{postgres.port}/postgres?options=-csearch_path%3D{role}"
    async with PostgresStore(dsn) as store:
        await store.append("a", 0, [b"1"])
    postgres.psql(
        f"ALTER TABLE {role}.actorkit_journal ENABLE ROW LEVEL SECURITY; "
        f"ALTER TABLE {role}.actorkit_journal FORCE ROW LEVEL SECURITY; "
        f"CREATE POLICY everything ON {role}.actorkit_journal USING (true)"
    )
    return dsn


async def test_a_journal_with_row_level_security_takes_writes_by_insert(
    postgres: PostgresServer,
) -> None:
    async with asyncio.timeout(20):
        dsn = await row_level_security(postgres)
        many = [b"%d" % n for n in range(COPY_ROWS)]
        async with PostgresStore(dsn) as store:
            await store.append("b", 0, many)  # a new journal: a plain insert from the start
            await store.append("a", 1, many)  # checked, and then known
            await store.append("a", 1 + COPY_ROWS, many)
            await asyncio.gather(
                store.append("a", 1 + 2 * COPY_ROWS, many), store.append("b", COPY_ROWS, many)
            )
            assert [e.payload async for e in store.read("a")] == [b"1"] + many * 3
            assert [e.payload async for e in store.read("b")] == many * 2


async def test_rows_past_copy_bytes_go_in_by_insert(postgres: PostgresServer) -> None:
    """Told by a journal that refuses COPY: the store turns to INSERT once it tried one."""
    async with asyncio.timeout(20):
        dsn = await row_level_security(postgres)
        async with PostgresStore(dsn) as store:
            connections = store._pool  # noqa: SLF001 - whether it tried a COPY
            assert connections is not None
            await store.append("b", 0, [bytes(COPY_BYTES // COPY_ROWS)] * COPY_ROWS)
            assert connections.copy
            await store.append("c", 0, [b"x"] * COPY_ROWS)
            assert not connections.copy


@UVLOOP_ONLY
async def test_a_copy_that_waits_for_a_lock_ends_after_the_timeout_with_nothing_written(
    postgres: PostgresServer,
) -> None:
    dsn = postgres.fresh()
    many = [b"%d" % n for n in range(COPY_ROWS)]
    async with PostgresStore(dsn) as setup:  # the schema, made without the short timeout
        await setup.append("a", 0, [b"1"])
    async with asyncio.timeout(20), PostgresStore(dsn, timeout=0.5) as store:
        await store.append("a", 1, [b"2"])  # its latest number known: the next goes by COPY
        rival = await asyncpg.connect(dsn)
        try:
            async with rival.transaction():
                await rival.execute("LOCK TABLE actorkit_journal IN ACCESS EXCLUSIVE MODE")
                with pytest.raises(PersistenceError, match=TIMED_OUT):
                    await store.append("a", 2, many)
        finally:
            await rival.close()
        assert await store.highest_seq("a") == 2
        await store.append("a", 2, many)
        assert [e.payload async for e in store.read("a")] == [b"1", b"2", *many]


@UVLOOP_ONLY
async def test_a_copy_to_a_server_that_stopped_answering_ends_in_bounded_time(
    postgres: PostgresServer,
) -> None:
    """All or none of it is written: being its own commit, it may land once the server
    goes on (docs/persistence.md); the store works again either way."""
    many = [b"%d" % n for n in range(COPY_ROWS)]
    async with asyncio.timeout(20):
        store = PostgresStore(postgres.fresh(), timeout=0.5)
        await store.open()
        try:
            await store.append("a", 0, [b"1"])
            with postgres.paused(), pytest.raises(PersistenceError, match=TIMED_OUT):
                await store.append("a", 1, many)
            written = [e.payload async for e in store.read("a")]
            assert written in ([b"1"], [b"1", *many])
            await store.append("b", 0, many)
            assert [e.payload async for e in store.read("b")] == many
        finally:
            await store.close()


@UVLOOP_ONLY
async def test_a_large_copy_to_a_server_that_stopped_answering_ends_in_bounded_time(
    postgres: PostgresServer,
) -> None:
    """asyncpg's COPY waits for the socket to take each 512 KiB with no timeout, and for ever
    once its cancel request went unanswered and it dropped the connection: the batch never
    ended, not even after the server went on, and neither did `close`."""
    many = [b"%d" % n for n in range(COPY_ROWS)]
    big = [bytes(2 * 2**20)] * COPY_ROWS  # 32 MiB: more than the sockets' buffers hold
    async with asyncio.timeout(30):
        store = PostgresStore(postgres.fresh(), timeout=0.5)
        await store.open()
        try:
            for round in "12":  # both writers' connections have prepared COPY's first query
                await asyncio.gather(*(store.append(f"{round}{n}", 0, many) for n in range(40)))
            await store.append("a", 0, [b"1"])
            with postgres.paused():
                write = asyncio.ensure_future(store.append("a", 1, big))
                done, _ = await asyncio.wait([write], timeout=5)
            if not done:  # it would never end, nor would `close`: end its batch to fail
                commits = store._commits  # noqa: SLF001 - the flusher stuck in asyncpg
                for flusher in commits._flushers if commits else ():  # noqa: SLF001
                    flusher.cancel()
                pytest.fail("the write outlived the store's timeout tenfold")
            with pytest.raises(PersistenceError, match=TIMED_OUT):
                await write
            assert [e.payload async for e in store.read("a")] in ([b"1"], [b"1", *big])
            await store.append("b", 0, many)
            assert [e.payload async for e in store.read("b")] == many
        finally:
            await store.close()
