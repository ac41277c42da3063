"""A durable actor's recovery on a SQL store is one query (one thread hop on SQLite, one round
trip on PostgreSQL): its snapshot, the events after it and its reminders, or its state and
reminders. Only a journal longer than a page, or a snapshot the class no longer reads, costs
more: the rest of the journal, a page a query, as every read of it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import (
    DurableState,
    SQLiteStore,
    StoredEvent,
    StoredReminder,
    _sql_store,
)
from actorkit.persistence._payload import encode
from actorkit.persistence._sql_store import SQLStore

from .conftest import MakeStore
from .event_sourced_support import Summing

pytestmark = pytest.mark.timeout(60)


class Tally(Summing):
    snapshot_every = 4

    ticked: asyncio.Event

    async def receive(self, message: Any) -> Any:
        if message == "tick":
            Tally.ticked.set()
        return self.total


class Profile(DurableState):
    async def receive(self, message: Any) -> Any:
        return self.state


def counted(store: SQLStore[Any]) -> list[str]:
    """The store's read queries from now on, by the table each reads first."""
    queries: list[str] = []
    fetch = store._fetch  # noqa: SLF001 - where every read of a SQL store goes

    async def counting(query: str, *args: object) -> Sequence[Sequence[Any]]:
        queries.append(query)
        return await fetch(query, *args)

    store._fetch = counting  # type: ignore[method-assign]  # noqa: SLF001
    return queries


async def fill(store: SQLStore[Any], pid: str, events: int, snapshot: bytes | None) -> None:
    if events:
        await store.append(pid, 0, [encode(n) for n in range(1, events + 1)])
    if snapshot is not None:
        await store.save_snapshot(pid, 4, snapshot)
    await store.put_reminder(pid, StoredReminder("k", 0.0, None, encode("tick")))


@pytest.mark.parametrize(
    ("events", "snapshot", "page", "queries"),
    [
        (6, encode(10), 4096, 1),  # a snapshot, events after it, a reminder: one query
        (0, None, 4096, 1),  # nothing but a reminder
        (7, None, 3, 3),  # a page of 3 returned, then 4-6 and 7 read on
        (6, b"\xff no class reads", 4096, 2),  # passed over: read again from the first event
    ],
    ids=["snapshot", "empty", "pages", "passed-over"],
)
async def test_an_event_sourced_recovery_reads_in_one_query(
    make_sql_store: MakeStore,
    monkeypatch: pytest.MonkeyPatch,
    events: int,
    snapshot: bytes | None,
    page: int,
    queries: int,
) -> None:
    monkeypatch.setattr(_sql_store, "PAGE", page)
    store = make_sql_store()
    assert isinstance(store, SQLStore)
    async with asyncio.timeout(30), store:
        await fill(store, "/t", events, snapshot)
    store = make_sql_store()
    assert isinstance(store, SQLStore)
    Tally.ticked = asyncio.Event()
    async with asyncio.timeout(30), ActorSystem(store=store) as system:
        reads = counted(store)
        ref = await system.spawn(Tally, name="t")
        assert len(reads) == queries
        assert await ref.ask("total") == sum(range(1, events + 1))
        await Tally.ticked.wait()  # the overdue reminder the recovery read, armed


async def test_a_durable_state_recovery_reads_in_one_query(make_sql_store: MakeStore) -> None:
    store = make_sql_store()
    assert isinstance(store, SQLStore)
    async with asyncio.timeout(30), store:
        await store.save_state("/p", 0, encode({"name": "ada"}))
        await store.put_reminder("/p", StoredReminder("k", 10**9 * 4.0, None, encode("tick")))
    store = make_sql_store()
    assert isinstance(store, SQLStore)
    async with asyncio.timeout(30), ActorSystem(store=store) as system:
        reads = counted(store)
        ref = await system.spawn(Profile, name="p")
        assert len(reads) == 1
        assert await ref.ask("state") == {"name": "ada"}


class Sealed(SQLiteStore):
    """A subclass that seals its journal (here: reverses each payload's bytes) and overrides
    the write and the read, not `load_recovery`: recovery must go through its `read`."""

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        return await super().append(persistence_id, expected_seq, [p[::-1] for p in payloads])

    async def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        async for event in super().read(persistence_id, from_seq):
            yield StoredEvent(event.seq, event.time, event.payload[::-1])


async def test_a_subclass_overriding_a_read_but_not_the_one_call_is_recovered_through_it(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "sealed.db")
    async with asyncio.timeout(30):
        async with Sealed(path) as store:
            await store.append("/t", 0, [encode(n) for n in (1, 2, 3)])
        async with ActorSystem(store=Sealed(path)) as system:
            ref = await system.spawn(Tally, name="t")
            assert await ref.ask("total") == 6
