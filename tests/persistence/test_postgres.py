"""PostgresStore beyond the shared protocol, on the session's real server: schema version, a
server that is stopped and started again, a writer in another connection that commits first,
and two OS processes on one database."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from actorkit.persistence import PersistenceConflict, PersistenceError, PostgresStore

from . import postgres_server
from .conftest import UVLOOP_ONLY
from .fencing import a_second_process_with_a_stale_view_is_refused, two_processes_never_interleave
from .postgres_server import PostgresServer


def test_without_the_server_binaries_the_tests_say_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(postgres_server.shutil, "which", lambda name: None)
    monkeypatch.setattr(postgres_server.glob, "glob", lambda pattern: [])
    with pytest.raises(RuntimeError, match="install Debian's `postgresql` package"):
        postgres_server.bindir()


def test_the_dsn_must_be_a_postgresql_url() -> None:
    with pytest.raises(ValueError, match="postgresql://"):
        PostgresStore("mysql://localhost/db")


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
    from tests.processes import free_port

    store = PostgresStore(f"postgresql://postgres@127.0.0.1:{free_port()}/postgres")
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
            async with asyncio.timeout(10):  # the server has no event to await: each poll
                while not await rival.fetchval(  # is a round trip, the loop runs meanwhile
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                ):
                    pass
            await transaction.commit()
            x, y = await writes
        finally:
            await rival.close()
        assert isinstance(x, PersistenceConflict)
        assert isinstance(y, float)
        assert [e.payload async for e in store.read("x")] == [b"rival"]
        assert await store.highest_seq("y") == 1


@UVLOOP_ONLY
async def test_two_processes_on_one_database_are_fenced(postgres: PostgresServer) -> None:
    url = postgres.fresh()
    await a_second_process_with_a_stale_view_is_refused(url)
    await two_processes_never_interleave(url)
