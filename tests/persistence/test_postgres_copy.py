"""The journal's rows go in with `COPY`, which PostgreSQL refuses into a table with row-level
security: such a database still takes every write."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from actorkit.persistence import PersistenceError, PostgresStore
from actorkit.persistence._postgres_db import COPY_ROWS

from .conftest import UVLOOP_ONLY
from .postgres_server import PostgresServer
from .test_store_timeouts import TIMED_OUT


async def test_a_journal_with_row_level_security_takes_writes_by_insert(
    postgres: PostgresServer,
) -> None:
    role = "r" + uuid.uuid4().hex[:12]
    postgres.psql(f"CREATE ROLE {role} LOGIN")
    postgres.psql(f"CREATE SCHEMA {role} AUTHORIZATION {role}")
    dsn = f"postgresql://{role}@127.0.0.1:{postgres.port}/postgres?options=-csearch_path%3D{role}"
    async with asyncio.timeout(20):
        async with PostgresStore(dsn) as store:
            await store.append("a", 0, [b"1"])
        postgres.psql(
            f"ALTER TABLE {role}.actorkit_journal ENABLE ROW LEVEL SECURITY; "
            f"ALTER TABLE {role}.actorkit_journal FORCE ROW LEVEL SECURITY; "
            f"CREATE POLICY everything ON {role}.actorkit_journal USING (true)"
        )
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
