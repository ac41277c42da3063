"""Two batches in flight on PostgreSQL, where they meet the server's limits and the other
writers of the same journals."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import pytest

from actorkit.persistence import PersistenceError, PostgresStore
from actorkit.persistence._group_commit import GroupCommit

from .postgres_server import PostgresServer
from .test_group_commit_eager import no_database


async def test_open_fails_when_a_writer_cannot_connect_and_closes_the_pool(
    postgres: PostgresServer,
) -> None:
    """`open` holds one connection per batch in flight: when the server refuses the second, the
    first goes back before the pool closes (which waits for every connection out)."""
    role = "r" + uuid.uuid4().hex[:12]
    postgres.psql(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 1")
    postgres.psql(f"CREATE SCHEMA {role} AUTHORIZATION {role}")
    dsn = f"postgresql://{role}@127.0.0.1:{postgres.port}/postgres?options=-csearch_path%3D{role}"
    async with asyncio.timeout(10):
        with pytest.raises(
            PersistenceError, match=r"connecting the writers failed: .*too many connections"
        ):
            await PostgresStore(dsn, timeout=2).open()


async def test_a_flusher_cancelled_before_its_first_step_fails_its_writes_not_the_next() -> None:
    """Cancelling every task (a program's own shutdown, a test runner's) can reach a flusher
    that never ran: none of its code runs then, so nothing of it may be left marked as
    starting or in flight, or no write after it is ever taken and `drain` never ends."""
    async with asyncio.timeout(10):
        writes = GroupCommit(no_database, lambda count, seconds: None, concurrency=2)
        written: list[str] = []

        def note(name: str) -> Callable[[object], Awaitable[None]]:
            async def run(tx: object) -> None:
                written.append(name)

            return run

        stranded = writes.other("p", note("stranded"))
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()
        with pytest.raises(PersistenceError, match="writer stopped"):
            await stranded
        await writes.other("p", note("next"))
        await writes.drain()
        assert written == ["next"]


async def test_drain_ends_when_the_flusher_it_awaits_was_cancelled_before_its_first_step() -> None:
    """A program that cancels every task at its shutdown, then closes its store: the store's
    `close` (`drain`, then the connections) raised the flusher's `CancelledError` in a task
    nobody cancelled, and left the connections open."""
    async with asyncio.timeout(10):
        writes = GroupCommit(no_database, lambda count, seconds: None, concurrency=2)

        async def nothing(tx: object) -> None:
            pass

        stranded = writes.other("p", nothing)
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()
        await writes.drain()
        with pytest.raises(PersistenceError, match="writer stopped"):
            await stranded


async def test_a_store_closes_after_every_task_was_cancelled(postgres: PostgresServer) -> None:
    async with asyncio.timeout(10):
        store = PostgresStore(postgres.fresh())
        await store.open()
        stranded = asyncio.ensure_future(store.append("a", 0, [b"1"]))
        await asyncio.sleep(0)  # it ran to its wait: a flusher made, not run yet
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()
        await store.close()
        assert store._pool is None  # noqa: SLF001 - its connections closed
        with pytest.raises(asyncio.CancelledError):
            await stranded


async def test_a_writer_cancelled_in_its_transaction_says_the_write_may_have_been_written() -> None:
    """Cancelled (the loop ending) while its transaction ran, perhaps in its commit, the
    writer cannot tell whether the batch was written: its writes' error must not read as a
    plain failure, which a caller would write again."""
    async with asyncio.timeout(10):
        writes = GroupCommit(no_database, lambda count, seconds: None, concurrency=1)
        inside = asyncio.Event()

        async def committing(tx: object) -> None:
            inside.set()
            await asyncio.Event().wait()  # the commit's answer, which never comes

        write = writes.other("p", committing)
        await inside.wait()
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()
        with pytest.raises(PersistenceError, match="may have been written"):
            await write
        await writes.drain()
