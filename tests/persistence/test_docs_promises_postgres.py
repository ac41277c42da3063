"""Promises of docs/persistence.md about the PostgreSQL store that no other test pinned, each
test naming the sentence it keeps: opening on a server that never answers ends in its timeout,
a read-only store's sessions are read-only on the server, a store never opened refuses every
call, and a timeout says "may have been written" only when it waited for a commit."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from actorkit.persistence import PersistenceError, PostgresStore

from .postgres_server import PostgresServer

pytestmark = pytest.mark.timeout(30)


async def test_opening_a_postgres_store_on_a_server_that_never_answers_ends_in_its_timeout() -> (
    None
):
    """ "Connecting (on `open` ...) gives up after `timeout` or 10 s, whichever is shorter":
    a host that accepts the connection and then says nothing (a frozen server)."""
    writers: list[asyncio.StreamWriter] = []
    server = await asyncio.start_server(lambda _, writer: writers.append(writer), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    store = PostgresStore(f"postgresql://u:p@127.0.0.1:{port}/db", timeout=0.3)
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(5):
            began = loop.time()
            with pytest.raises(PersistenceError, match="did not answer within the store's timeout"):
                await store.open()
            assert loop.time() - began < 2.0
            await store.close()
    finally:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()


async def test_a_postgres_store_opened_read_only_is_refused_writes_by_the_server(
    postgres: PostgresServer,
) -> None:
    """ "A PostgreSQL session is opened with `default_transaction_read_only`": the server
    itself refuses a write on the read-only store's connections, not only the store."""
    dsn = postgres.fresh()
    async with asyncio.timeout(20):
        async with PostgresStore(dsn) as store:
            await store.append("a", 0, [b"1"])
        reader = PostgresStore(dsn)
        await reader.open_read_only()
        try:
            connections = reader._pool  # noqa: SLF001 (the store's own sessions)
            assert connections is not None
            async with connections.pool.acquire() as conn:
                assert await conn.fetchval("SHOW default_transaction_read_only") == "on"
                with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
                    await conn.execute("DELETE FROM actorkit_journal")
            assert await reader.highest_seq("a") == 1
        finally:
            await reader.close()


async def test_a_postgres_store_never_opened_refuses_every_call() -> None:
    """ "A store that is closed refuses every call with `PersistenceError`; so does a SQL store
    that was never opened" (SQLite's is tested beside its other refusals)."""
    store = PostgresStore("postgresql://u@127.0.0.1:1/db")
    calls = [
        store.append("a", 0, [b"1"]),
        store.highest_seq("a"),
        store.load_snapshot("a"),
        store.load_state("a"),
        store.reminders("a"),
    ]
    for call in calls:
        with pytest.raises(PersistenceError, match=r"is not open: `await store.open\(\)`"):
            await call
    with pytest.raises(PersistenceError, match="is not open"):
        await anext(aiter(store.events("a")))


async def test_a_postgres_timeout_says_may_have_been_written_only_when_it_waited_for_a_commit(
    postgres: PostgresServer,
) -> None:
    """ "A write that times out fails every write of its group commit's batch, and none of
    them is written, unless the wait was for the commit itself: ... on PostgreSQL a batch
    that is one statement and so its own commit ... the `PersistenceError` says so ("... may
    have been written ...") ... An error without those words left nothing written"."""
    async with asyncio.timeout(30):
        store = PostgresStore(postgres.fresh(), timeout=0.5)
        await store.open()
        try:
            await store.append("a", 0, [b"1"])
            with postgres.paused():
                with pytest.raises(PersistenceError) as alone:
                    await store.append("a", 1, [b"2"])  # one statement: its own commit
                batch = await asyncio.gather(
                    store.append("b", 0, [b"1"]),
                    store.save_state("s", 0, b"state"),
                    return_exceptions=True,
                )  # one transaction, which never reached its commit
            assert "did not answer within the store's timeout" in str(alone.value)
            assert "may have been written" in str(alone.value), alone.value
            assert "the store's timeout passed while the commit waited" in str(alone.value)
            assert [type(result) for result in batch] == [PersistenceError] * 2, batch
            assert not any("may have been written" in str(result) for result in batch), batch
            assert await store.highest_seq("b") == 0
            assert await store.load_state("s") is None
        finally:
            await store.close()
