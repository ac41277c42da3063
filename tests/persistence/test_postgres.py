"""PostgresStore beyond the shared protocol, on the session's real server: schema version, a
server that is stopped and started again, a writer in another connection that commits first,
and two OS processes on one database."""

from __future__ import annotations

import asyncio
import glob
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest

from actorkit.persistence import (
    PersistenceConflict,
    PersistenceError,
    PostgresStore,
    StoredReminder,
    StoredState,
)

from ..port_rivals import assert_held
from ..processes import HeldPort
from . import postgres_server
from .conftest import UVLOOP_ONLY
from .fencing import a_second_process_with_a_stale_view_is_refused, two_processes_never_interleave
from .postgres_server import PostgresServer


def test_without_the_server_binaries_the_tests_say_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the modules postgres_server.bindir() looks the binaries up with
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(glob, "glob", lambda pattern: [])
    with pytest.raises(RuntimeError, match="install Debian's `postgresql` package"):
        postgres_server.bindir()


def test_the_dsn_must_be_a_postgresql_url() -> None:
    with pytest.raises(ValueError, match="postgresql://"):
        PostgresStore("mysql://localhost/db")


def test_the_timeout_must_be_seconds_the_store_can_wait() -> None:
    for wrong in (0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="PostgresStore timeout must be > 0 seconds"):
            PostgresStore("postgresql://localhost/db", timeout=wrong)
    with pytest.raises(TypeError, match="PostgresStore timeout must be a number of seconds"):
        PostgresStore("postgresql://localhost/db", timeout=None)  # type: ignore[arg-type]


async def test_the_schema_is_versioned_and_a_newer_one_refused(postgres: PostgresServer) -> None:
    dsn = postgres.fresh()
    async with PostgresStore(dsn) as store:
        await store.append("a", 0, [b"x"])
    assert postgres.psql("SELECT version FROM actorkit_schema", dsn).strip() == "1"
    async with PostgresStore(dsn) as store:  # a second open finds it and keeps the data
        assert await store.highest_seq("a") == 1
    postgres.psql("UPDATE actorkit_schema SET version = 7", dsn)
    with pytest.raises(PersistenceError, match=r"schema version 7.*upgrade actorkit"):
        await PostgresStore(dsn).open()


async def test_a_server_that_is_not_there_says_so(postgres: PostgresServer) -> None:
    with HeldPort(shared=False) as nowhere:
        store = PostgresStore(f"postgresql://postgres@127.0.0.1:{nowhere.port}/postgres")
        with pytest.raises(PersistenceError, match="is the server running"):
            await store.open()


@UVLOOP_ONLY
async def test_a_stopped_server_fails_writes_and_reads_until_it_is_back(
    postgres: PostgresServer,
) -> None:
    async with PostgresStore(postgres.fresh()) as store:
        await store.append("a", 0, [b"before"])
        await asyncio.to_thread(postgres.stop)
        try:
            with pytest.raises(PersistenceError, match=r"PostgreSQL store 127\.0\.0\.1"):
                await store.append("a", 1, [b"while down"])
            with pytest.raises(PersistenceError):
                await store.highest_seq("a")
        finally:
            await asyncio.to_thread(postgres.start)
        await store.append("a", 1, [b"after"])
        assert [e.payload async for e in store.read("a")] == [b"before", b"after"]


async def test_reminders_are_listed_by_code_point_whatever_the_database_collation(
    postgres: PostgresServer,
) -> None:
    """As MemoryStore and SQLite list them; a linguistic collation (ICU en-US, what a cluster
    initialised under en_US.UTF-8 gives) would put "a" before "B" and "_x" first."""
    database = "icu" + uuid.uuid4().hex[:16]
    postgres.psql(
        f"CREATE DATABASE {database} TEMPLATE template0 LOCALE_PROVIDER icu "
        "ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
    )
    keys = ["b", "B", "a", "A", "_x", "1", "é", "e"]
    async with PostgresStore(postgres.dsn(database)) as store:
        for key in keys:
            await store.put_reminder("o", StoredReminder(key, 1.0, None, b"m"))
        assert [reminder.key for reminder in await store.reminders("o")] == sorted(keys)


async def waiting_on_locks(conn: asyncpg.Connection, count: int) -> None:
    """Until `count` backends wait on a lock. The server has no event to await: each poll is
    a round trip, the loop runs meanwhile."""
    query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    async with asyncio.timeout(10):
        while await conn.fetchval(query) < count:
            pass


async def test_a_writer_that_commits_first_in_between_makes_only_its_rival_fail(
    postgres: PostgresServer,
) -> None:
    """The batch reads seq 0 for "x" while another connection's insert of seq 1 is not yet
    committed; the batch's insert then waits on the key, fails when the other commits, and
    the batch is retried write by write: "x" conflicts, "y" commits."""
    dsn = postgres.fresh()
    async with PostgresStore(dsn) as store:
        rival = await asyncpg.connect(dsn)
        try:
            transaction = rival.transaction()
            await transaction.start()
            await rival.execute("INSERT INTO actorkit_journal VALUES ('x', 1, 0.0, 'rival'::bytea)")
            writes = asyncio.gather(
                store.append("x", 0, [b"mine"]), store.append("y", 0, [b"y"]),
                return_exceptions=True,
            )  # fmt: skip
            await waiting_on_locks(rival, 1)
            await transaction.commit()
            x, y = await writes
        finally:
            await rival.close()
        assert isinstance(x, PersistenceConflict)
        assert isinstance(y, float)
        assert [e.payload async for e in store.read("x")] == [b"rival"]
        assert await store.highest_seq("y") == 1


async def test_a_batch_the_server_rolls_back_out_of_a_deadlock_is_retried_as_a_race(
    postgres: PostgresServer,
) -> None:
    """The batch inserts "x", then waits for a rival's uncommitted "y"; the rival then waits
    for "x". The server's deadlock check (after the store's 1 s deadlock_timeout; the rival's
    is longer) rolls the batch back: its appends lost a race and conflict, no other failure.
    The retry waits for the rival's insert of "x", which the rollback let in: on a loaded
    machine the retry could otherwise take "x" first and commit it alone."""
    dsn = postgres.fresh()
    async with PostgresStore(dsn) as store:
        commits = store._commits  # noqa: SLF001 - its transactions, the retry held back
        assert commits is not None
        begin = commits._begin  # noqa: SLF001
        begun: list[bool] = []
        rival_has_x: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        @asynccontextmanager
        async def retry_after_the_rival(alone: bool) -> AsyncIterator[Any]:
            begun.append(alone)
            if len(begun) > 1:
                await rival_has_x
            async with begin(alone) as tx:
                yield tx

        commits._begin = retry_after_the_rival  # noqa: SLF001
        rival = await asyncpg.connect(dsn)
        try:
            await rival.execute("SET deadlock_timeout = '60s'")
            transaction = rival.transaction()
            await transaction.start()
            await rival.execute("INSERT INTO actorkit_journal VALUES ('y', 1, 0.0, 'rival'::bytea)")
            writes = asyncio.gather(
                store.append("x", 0, [b"mine"]), store.append("y", 0, [b"mine"]),
                return_exceptions=True,
            )  # fmt: skip
            await waiting_on_locks(rival, 1)
            async with asyncio.timeout(10):
                await rival.execute(
                    "INSERT INTO actorkit_journal VALUES ('x', 1, 0.0, 'rival'::bytea)"
                )
            rival_has_x.set_result(None)
            await transaction.commit()
            x, y = await writes
        finally:
            if not rival_has_x.done():  # a failure above must not leave the retry parked,
                rival_has_x.set_result(None)  # with the store's close waiting for it
            await rival.close()
        assert isinstance(x, PersistenceConflict), x
        assert isinstance(y, PersistenceConflict), y
        assert len(begun) > 1  # rolled back, and retried
        assert [e.payload async for e in store.read("x")] == [b"rival"]


async def test_a_second_store_creating_a_state_another_has_not_committed_yet_is_refused(
    postgres: PostgresServer,
) -> None:
    """The first store's batch inserts state "s", then waits (its reminder meets a rival's
    uncommitted row) with its transaction open; the second store reads no row for "s" either
    and must fail once the first commits, not overwrite it."""
    dsn = postgres.fresh()
    async with PostgresStore(dsn) as first, PostgresStore(dsn) as second:
        rival = await asyncpg.connect(dsn)
        try:
            transaction = rival.transaction()
            await transaction.start()
            await rival.execute(
                "INSERT INTO actorkit_reminders VALUES ('s', 'r', 0.0, NULL, 'rival'::bytea)"
            )
            held = asyncio.gather(
                first.save_state("s", 0, b"first"),
                first.put_reminder("s", StoredReminder("r", 1.0, None, b"mine")),
            )
            await waiting_on_locks(rival, 1)
            late = asyncio.ensure_future(second.save_state("s", 0, b"second"))
            await waiting_on_locks(rival, 2)
            await transaction.rollback()
            assert list(await held) == [1, None]
            with pytest.raises(PersistenceConflict, match="revision 0, the store has 1"):
                await late
        finally:
            await rival.close()
        assert await second.load_state("s") == StoredState(1, b"first")


@UVLOOP_ONLY
async def test_two_processes_on_one_database_are_fenced(postgres: PostgresServer) -> None:
    url = postgres.fresh()
    await a_second_process_with_a_stale_view_is_refused(url)
    await two_processes_never_interleave(url)


def test_a_postgres_server_keeps_its_port_from_creation_through_restarts() -> None:
    server = PostgresServer()
    try:
        assert_held(server.port)
        server.start()
        server.stop()
        assert_held(server.port)
        server.start()
        assert server.psql("SELECT 1").strip() == "1"
    finally:
        server.remove()
