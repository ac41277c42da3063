"""Batches side by side: the PostgreSQL store keeps two batches in flight, each in its own
transaction, so one commits while the callers of the other run; SQLite, one connection, keeps
one. Two batches never share a journal: a journal's next write waits for the batch in flight
that writes it, so its writes commit in the order they came."""

from __future__ import annotations

import asyncio

import pytest

from actorkit.persistence import PostgresStore
from actorkit.persistence._group_commit import SPLIT
from actorkit.persistence._sql_store import SQLStore

from .conftest import MakeSQLStore, ShippedSQLStore
from .postgres_server import PostgresServer
from .test_group_commit import Gate


def beside(store: ShippedSQLStore) -> int:
    """Batches the store keeps in flight at once."""
    return 2 if isinstance(store, PostgresStore) else 1


async def test_a_long_queue_is_shared_between_the_batches_in_flight(
    make_sql_store: MakeSQLStore,
) -> None:
    commits: list[int] = []
    async with asyncio.timeout(20), make_sql_store() as store:
        assert isinstance(store, SQLStore)
        store.on_commit = lambda writes, seconds: commits.append(writes)
        await asyncio.gather(*(store.append(f"w{n}", 0, [b"e"]) for n in range(100)))
        assert [await store.highest_seq(f"w{n}") for n in range(100)] == [1] * 100
    assert SPLIT < 100
    assert sorted(commits) == [100 // beside(store)] * beside(store)


async def test_a_short_queue_stays_one_batch(make_sql_store: MakeSQLStore) -> None:
    """Under `SPLIT` writes a second transaction would cost more than it saves."""
    commits: list[int] = []
    async with asyncio.timeout(20), make_sql_store() as store:
        store.on_commit = lambda writes, seconds: commits.append(writes)
        await asyncio.gather(*(store.append(f"w{n}", 0, [b"e"]) for n in range(SPLIT - 1)))
    assert commits == [SPLIT - 1]


async def test_a_batch_commits_beside_one_held_but_never_on_its_journals(
    make_sql_store: MakeSQLStore,
) -> None:
    async with asyncio.timeout(20), make_sql_store() as store:
        assert isinstance(store, SQLStore)
        writes = store._commits  # noqa: SLF001 - a write of the test's own in its batch
        assert writes is not None
        held = Gate()
        writes.other("p", held)
        first = writes.append("p", 0, [b"1"], 1)  # the same batch
        await held.entered.wait()
        second = writes.append("p", 1, [b"2"], 1)  # waits for that batch
        other = writes.append("q", 0, [b"1"], 1)
        if beside(store) > 1:
            await other  # committed while the batch holding "p" is still open
            assert not held.release.is_set()
            assert not first.done()
            assert not second.done()
        held.release.set()
        assert await first < await second
        await other
        assert [event.payload async for event in store.read("p")] == [b"1", b"2"]


async def test_closing_waits_for_every_batch_in_flight(make_sql_store: MakeSQLStore) -> None:
    async with asyncio.timeout(20):
        store = make_sql_store()
        await store.open()
        assert isinstance(store, SQLStore)
        writes = store._commits  # noqa: SLF001 - writes of the test's own in the batches
        assert writes is not None
        gates = {"p": Gate(), "q": Gate()}
        appends = []
        for journal, gate in gates.items():
            writes.other(journal, gate)
            appends.append(writes.append(journal, 0, [b"1"], 1))
            if beside(store) > 1:
                await gate.entered.wait()  # both in flight at once
        closing = asyncio.ensure_future(store.close())
        for gate in gates.values():
            gate.release.set()
        await closing
        assert all(append.done() for append in appends)
    async with make_sql_store() as reopened:
        assert [await reopened.highest_seq(journal) for journal in gates] == [1, 1]


@pytest.mark.parametrize("journal", ["p", "q"])
async def test_a_cancelled_write_raises_once_every_batch_in_flight_ended(
    make_sql_store: MakeSQLStore, journal: str
) -> None:
    """Its caller cannot tell which batch took it (if one did), so it waits for every one in
    flight when it was cancelled; then what it reads is what the store keeps."""
    async with asyncio.timeout(20), make_sql_store() as store:
        assert isinstance(store, SQLStore)
        writes = store._commits  # noqa: SLF001 - writes of the test's own in the batches
        assert writes is not None
        gates = {"p": Gate(), "q": Gate()}
        try:
            writes.other("p", gates["p"])
            landed = writes.append("p2", 0, [b"1"], 1)  # in the batch held at "p"
            await gates["p"].entered.wait()
            task = asyncio.ensure_future(store.append(journal, 0, [b"1"]))
            writes.other("q", gates["q"])  # beside it on PostgreSQL, with the task's write
            await store.highest_seq("x")  # a round trip: the task has queued its write
            task.cancel()
            await store.highest_seq("x")
            assert not task.done()
            gates["p"].release.set()
            await landed
            await store.highest_seq("x")  # a round trip: time enough to raise if it may
            assert task.done() is (beside(store) == 1)
            gates["q"].release.set()
        finally:  # a failure above must not leave the store's close waiting on a gate
            for gate in gates.values():
                gate.release.set()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_a_cancelled_write_waits_for_the_batches_in_flight_in_any_order(
    postgres: PostgresServer,
) -> None:
    """The batch that began second lands first, while the cancelled caller waits for the one
    that began first; the caller still returns once that one lands."""
    async with asyncio.timeout(20), PostgresStore(postgres.fresh()) as store:
        writes = store._commits  # noqa: SLF001 - writes of the test's own in the batches
        assert writes is not None
        gates = {"p": Gate(), "q": Gate()}
        writes.other("p", gates["p"])
        await gates["p"].entered.wait()
        task = asyncio.ensure_future(store.append("q", 0, [b"1"]))
        writes.other("q", gates["q"])
        await gates["q"].entered.wait()  # both in flight, the task's write in the second
        task.cancel()
        await store.highest_seq("x")
        gates["q"].release.set()
        await writes.append("q2", 0, [b"1"], 1)  # after "q"'s batch, in one of its own
        assert not task.done()
        gates["p"].release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await store.highest_seq("q") == 1


async def test_opening_connects_a_connection_for_each_batch_in_flight(
    postgres: PostgresServer,
) -> None:
    """Connecting one in the first batches' time would hold them up."""
    async with asyncio.timeout(20), PostgresStore(postgres.fresh()) as store:
        connections = store._pool  # noqa: SLF001
        assert connections is not None
        assert connections.pool.get_size() == 2
        assert connections.pool.get_idle_size() == 2
