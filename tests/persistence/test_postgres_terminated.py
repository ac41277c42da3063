"""A session the server ends (`pg_terminate_backend`, a fast shutdown) while the store's
transaction waits: the call fails at once with what the server said, not with asyncpg's
complaint that it could not roll back on the closed connection, and the store writes again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from actorkit.persistence import PersistenceError, PostgresStore, StoredReminder

from .conftest import UVLOOP_ONLY
from .postgres_server import PostgresServer
from .test_postgres import waiting_on_locks

pytestmark = [pytest.mark.timeout(60), UVLOOP_ONLY]

TERMINATED = "terminating connection due to administrator command"
HINT = "the server closed the connection"
SCHEMA_LOCK = 0x61637472


async def terminate_the_waiting(dsn: str) -> None:
    """From a session outside any transaction: one inside sees the activity of the moment it
    first looked, for the rest of its transaction."""
    watcher = await asyncpg.connect(dsn)
    try:
        await waiting_on_locks(watcher, 1)
        await watcher.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        )
    finally:
        await watcher.close()


Write = Callable[[PostgresStore], Awaitable[object]]
WRITES: dict[str, tuple[str, Write]] = {
    "state": ("actorkit_states", lambda store: store.save_state("s", 1, b"2")),
    "snapshot": ("actorkit_snapshots", lambda store: store.save_snapshot("s", 2, b"2")),
    "reminder": (
        "actorkit_reminders",
        lambda store: store.put_reminder("s", StoredReminder("k", 2.0, None, b"2")),
    ),
}


@pytest.mark.parametrize("kind", list(WRITES))
async def test_a_transaction_whose_session_the_server_ends_fails_with_the_servers_reason(
    postgres: PostgresServer, kind: str
) -> None:
    """A state save, a snapshot and a reminder run in a transaction of several statements;
    asyncpg's exit of it raised "cannot call Transaction.__aexit__(): the underlying
    connection is closed" in place of the server's reason."""
    table, write = WRITES[kind]
    dsn = postgres.fresh()
    async with asyncio.timeout(30), PostgresStore(dsn) as store:
        assert await store.save_state("s", 0, b"1") == 1
        rival = await asyncpg.connect(dsn)
        try:
            async with rival.transaction():
                await rival.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
                writing = asyncio.ensure_future(write(store))
                await terminate_the_waiting(dsn)
                with pytest.raises(PersistenceError) as failed:
                    await writing
        finally:
            await rival.close()
        assert TERMINATED in str(failed.value) and HINT in str(failed.value), failed.value
        assert "__aexit__" not in str(failed.value)
        assert await store.save_state("s", 1, b"2") == 2  # a new connection of the pool


async def test_an_open_whose_session_the_server_ends_fails_with_the_servers_reason(
    postgres: PostgresServer,
) -> None:
    """The schema check waits for the advisory lock of another process creating it."""
    dsn = postgres.fresh()
    async with asyncio.timeout(30):
        rival = await asyncpg.connect(dsn)
        try:
            async with rival.transaction():
                await rival.execute("SELECT pg_advisory_xact_lock($1)", SCHEMA_LOCK)
                store = PostgresStore(dsn)
                opening = asyncio.ensure_future(store.open())
                await terminate_the_waiting(dsn)
                with pytest.raises(PersistenceError) as failed:
                    await opening
        finally:
            await rival.close()
        assert TERMINATED in str(failed.value) and HINT in str(failed.value), failed.value
        async with PostgresStore(dsn) as again:
            assert await again.save_state("s", 0, b"1") == 1
