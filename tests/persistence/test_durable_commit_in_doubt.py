"""A write whose commit is in doubt: the store committed it, but its answer was lost (the
connection dropped between the server's commit and its reply). The store's error says that it
may have been written, never that it failed; a durable actor reads its store back, and a
`persist` or `save` that was stored after all returns as stored, so neither the instance nor
the asker takes a stored write for a failed one (and the asker does not write it twice)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

import actorkit
from actorkit import ActorSystem
from actorkit.persistence import (
    DurableState,
    EventSourced,
    PersistenceError,
    PostgresStore,
)

from .conftest import UVLOOP_ONLY
from .durable_support import SharedMemoryStore
from .postgres_server import PostgresServer
from .reply_dropper import ReplyDropper

pytestmark = pytest.mark.timeout(60)

IN_DOUBT = "it may have been written"


@actorkit.message
@dataclass(frozen=True)
class Added:
    n: int


class Total(EventSourced):
    instances: ClassVar[int] = 0

    def __init__(self) -> None:
        self.total = 0
        Total.instances += 1

    def apply(self, event: Any) -> None:
        self.total += event.n

    async def receive(self, message: Any) -> Any:
        if message != "get":
            await self.persist(Added(message))
        return self.total


class Kept(DurableState):
    async def receive(self, message: Any) -> Any:
        if message != "get":
            await self.save(message)
        return self.state


class LostAnswers(SharedMemoryStore):
    """Its next write (`lose` set) commits, then fails as a lost answer would; `refuse` set,
    its next write fails before anything is written."""

    lose = refuse = False

    def _fail(self, stored: bool) -> None:
        if stored and self.lose:
            self.lose = False
            raise PersistenceError("the connection was lost before the commit's answer")
        if not stored and self.refuse:
            self.refuse = False
            raise PersistenceError("the server refused the write")

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        self._fail(stored=False)
        written = await super().append(persistence_id, expected_seq, payloads)
        self._fail(stored=True)
        return written

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        self._fail(stored=False)
        revision = await super().save_state(persistence_id, expected_revision, payload)
        self._fail(stored=True)
        return revision


async def journal(store: Any, persistence_id: str) -> list[Any]:
    return [event async for _, _, event in store.events(persistence_id)]


async def test_a_persist_stored_though_its_answer_was_lost_returns_and_is_applied_once() -> None:
    store = LostAnswers()
    async with asyncio.timeout(10), ActorSystem("doubt", store=store) as system:
        total = await system.spawn(Total, name="total")
        assert await total.ask(1) == 1
        started = Total.instances
        store.lose = True
        assert await total.ask(10) == 11  # stored: the asker need not (and must not) retry
        assert await journal(store, "/total") == [Added(1), Added(10)]
        assert await total.ask(5) == 16  # the same instance writes on, not refused as stale
        assert Total.instances == started  # neither failed nor restarted


async def test_a_persist_that_was_not_stored_still_fails_and_changes_nothing() -> None:
    store = LostAnswers()
    async with asyncio.timeout(10), ActorSystem("doubt", store=store) as system:
        total = await system.spawn(Total, name="total")
        assert await total.ask(1) == 1
        store.refuse = True
        with pytest.raises(PersistenceError, match="refused"):
            await total.ask(10)
        assert await journal(store, "/total") == [Added(1)]
        assert await total.ask("get") == 1


async def test_a_save_stored_though_its_answer_was_lost_returns_and_sets_the_state() -> None:
    store = LostAnswers()
    async with asyncio.timeout(10), ActorSystem("doubt", store=store) as system:
        kept = await system.spawn(Kept, name="kept")
        assert await kept.ask("a") == "a"
        store.lose = True
        assert await kept.ask("b") == "b"
        assert (await store.load_state("/kept")).revision == 2  # type: ignore[union-attr]
        assert await kept.ask("c") == "c"  # its revision is the store's: no conflict


@UVLOOP_ONLY
async def test_postgres_an_append_whose_answer_is_lost_says_it_may_have_been_written(
    postgres: PostgresServer,
) -> None:
    """A single append is one statement, its own commit: its answer lost, it is in doubt."""
    dsn = postgres.fresh()
    async with (
        asyncio.timeout(30),
        ReplyDropper(postgres.port) as proxy,
        PostgresStore(proxy.dsn(dsn), timeout=5) as store,
    ):
        await store.append("j", 0, [b"1"])
        proxy.arm()
        with pytest.raises(PersistenceError) as failed:
            await store.append("j", 1, [b"2"])
        assert proxy.dropped.is_set()
        assert IN_DOUBT in str(failed.value), failed.value
        assert [e.payload async for e in store.read("j")] == [b"1", b"2"]


@UVLOOP_ONLY
async def test_postgres_a_commit_whose_answer_is_lost_says_it_may_have_been_written(
    postgres: PostgresServer,
) -> None:
    """A state's save runs in a transaction: its COMMIT's answer lost, it is in doubt."""
    dsn = postgres.fresh()
    async with (
        asyncio.timeout(30),
        ReplyDropper(postgres.port) as proxy,
        PostgresStore(proxy.dsn(dsn), timeout=5) as store,
    ):
        proxy.arm(b"COMMIT")
        with pytest.raises(PersistenceError) as failed:
            await store.save_state("s", 0, b"1")
        assert IN_DOUBT in str(failed.value), failed.value
        assert (await store.load_state("s")).revision == 1  # type: ignore[union-attr]


@UVLOOP_ONLY
async def test_postgres_a_transaction_that_failed_before_its_commit_is_not_in_doubt(
    postgres: PostgresServer,
) -> None:
    """The answer to BEGIN lost: nothing was committed, and the error does not say it may be."""
    dsn = postgres.fresh()
    async with (
        asyncio.timeout(30),
        ReplyDropper(postgres.port) as proxy,
        PostgresStore(proxy.dsn(dsn), timeout=5) as store,
    ):
        proxy.arm(b"BEGIN")
        with pytest.raises(PersistenceError) as failed:
            await store.save_state("s", 0, b"1")
        assert IN_DOUBT not in str(failed.value), failed.value
        assert await store.load_state("s") is None


@UVLOOP_ONLY
async def test_postgres_durable_actors_whose_commits_are_in_doubt_go_on_from_the_store(
    postgres: PostgresServer,
) -> None:
    dsn = postgres.fresh()
    async with asyncio.timeout(30), ReplyDropper(postgres.port) as proxy:
        store = PostgresStore(proxy.dsn(dsn), timeout=5)
        async with ActorSystem("doubt", store=store) as system:
            total = await system.spawn(Total, name="total")
            kept = await system.spawn(Kept, name="kept")
            assert await total.ask(1) == 1
            proxy.arm()
            assert await total.ask(10) == 11
            assert proxy.dropped.is_set()
            proxy.arm(b"COMMIT")
            assert await kept.ask("a") == "a"
            assert proxy.dropped.is_set()
            assert await journal(store, "/total") == [Added(1), Added(10)]
            assert await total.ask(5) == 16 and await kept.ask("b") == "b"
