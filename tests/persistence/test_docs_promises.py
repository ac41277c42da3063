"""Promises of docs/persistence.md that no other test pinned: each test names the sentence it
keeps."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest

from actorkit import ActorSystem
from actorkit.persistence import (
    DurableState,
    EventSourced,
    MemoryStore,
    PersistenceConflict,
    PersistenceError,
    PostgresStore,
)
from actorkit.testing import ManualClock, instance

from .durable_support import SharedMemoryStore
from .instances_support import HeldWrites
from .postgres_server import PostgresServer

pytestmark = pytest.mark.timeout(30)


class Log(EventSourced):
    def __init__(self) -> None:
        self.events: list[Any] = []

    def apply(self, event: Any) -> None:
        self.events.append(event)

    async def receive(self, message: Any) -> Any:
        return self.events


class Snapshotted(Log):
    snapshot_every = 1


async def journal(store: MemoryStore, persistence_id: str) -> list[Any]:
    return [event async for _, _, event in store.events(persistence_id)]


async def test_each_argument_of_persist_is_one_event_a_list_included() -> None:
    """ "`persist([e1, e2])` stores one event, the list ... unpack a batch as
    `persist(*events)`"."""
    async with asyncio.timeout(10), ActorSystem("docs", store=(store := MemoryStore())) as system:
        ref = await system.spawn(Log, name="log")
        actor: Any = instance(ref)
        await actor.persist([1, 2])
        await actor.persist(*[3, 4])
        assert await ref.ask("get") == [[1, 2], 3, 4]
        assert await journal(store, "/log") == [[1, 2], 3, 4]


async def test_an_event_over_max_payload_fails_persist_with_the_stores_words() -> None:
    """ "An actor's `persist` ... then fails with a `PersistenceError` carrying that message",
    and nothing is written: the next persist that fits is the journal's first event."""
    store = MemoryStore()
    store.max_payload = 200
    async with asyncio.timeout(10), ActorSystem("docs", store=store) as system:
        ref = await system.spawn(Log, name="log")
        actor: Any = instance(ref)
        with pytest.raises(
            PersistenceError,
            match=r"an append is too large to store: 30\d bytes encoded, over the store's "
            "max_payload of 200",
        ):
            await actor.persist("x" * 300)
        assert await journal(store, "/log") == []
        await actor.persist("fits")
        assert [seq async for seq, _, _ in store.events("/log")] == [1]
        assert await ref.ask("get") == ["fits"]


async def test_a_reminder_message_over_max_payload_fails_start_with_the_stores_words() -> None:
    """ "An actor's ... `reminders.start` then fails with a `PersistenceError` carrying that
    message"; nothing is stored."""
    store = MemoryStore()
    store.max_payload = 200
    async with asyncio.timeout(10), ActorSystem("docs", store=store) as system:
        actor: Any = instance(await system.spawn(Log, name="log"))
        with pytest.raises(
            PersistenceError, match=r"a reminder's message is too large to store: 30\d bytes"
        ):
            await actor.reminders.start("k", "x" * 300, delay=60.0)
        assert await store.reminders("/log") == []


async def test_a_snapshot_over_max_payload_is_skipped_with_a_warning_and_persist_returns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """ "(a snapshot is skipped with a warning, as when its store write fails)": the persist's
    event is stored and applied, and recovery replays from the previous snapshot."""
    store = MemoryStore()
    store.max_payload = 200
    async with asyncio.timeout(10), ActorSystem("docs", store=store) as system:
        ref = await system.spawn(Snapshotted, name="log")
        actor: Any = instance(ref)
        await actor.persist("x" * 120)
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            await actor.persist("y" * 120)  # fits; the snapshot of both events does not
        warned = [r for r in caplog.records if "snapshot of /log at 2 not saved" in r.message]
        assert [r.levelno for r in warned] == [logging.WARNING]
        assert "too large to store" in warned[0].message
        snapshot = await store.load_snapshot("/log")
        assert snapshot is not None and snapshot.seq == 1
        await ref.stop()
        again = await system.spawn(Snapshotted, name="log")
        assert await again.ask("get") == ["x" * 120, "y" * 120]


async def test_the_agent_history_of_a_system_that_keeps_none_says_how_to_keep_it() -> None:
    """`system.agent_history` is the durable history `agent_history=True` keeps: without it
    there is nothing to read, and the error says how to keep one (not an empty list)."""
    async with asyncio.timeout(10), ActorSystem("docs", store=MemoryStore()) as system:
        with pytest.raises(ValueError, match=r"ActorSystem\(\.\.\., store=\.\.\., agent_history"):
            await system.agent_history("/t1")


class HeldAppends(MemoryStore):
    """Its appends wait for `go`; other writes go through at once."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()
        self.go = asyncio.Event()

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        self.entered.set()
        await self.go.wait()
        return await super().append(persistence_id, expected_seq, payloads)


async def test_reminder_writes_go_beside_a_persist_in_flight() -> None:
    """ "Reminder writes do not count against one write at a time: any number may be in
    flight beside a `persist` or `save`"."""
    store = HeldAppends()
    async with asyncio.timeout(10), ActorSystem("docs", store=store) as system:
        ref = await system.spawn(Log, name="log")
        actor: Any = instance(ref)
        persisting = asyncio.create_task(actor.persist("e"))
        await store.entered.wait()  # the persist is in flight, held by the store
        await asyncio.gather(
            actor.reminders.start("a", "tick", delay=60.0),
            actor.reminders.start("b", "tick", delay=60.0),
        )
        assert await actor.reminders.cancel("a") is True
        assert not persisting.done()
        store.go.set()
        await persisting
        assert [r.key for r in await store.reminders("/log")] == ["b"]
        assert await journal(store, "/log") == ["e"]


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


class Tally(EventSourced):
    """Persists each int it is asked; answers with every event applied."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def apply(self, event: Any) -> None:
        self.events.append(event)

    async def receive(self, message: Any) -> Any:
        await self.persist(message)
        return self.events


async def test_a_grow_while_a_shrunk_member_drains_names_the_new_member_after_it() -> None:
    """ "while a shrunk member still drains (a persist in flight), its name is not free, so a
    grow in that window names the new member after it (`/pool/2`), with a journal of its
    own"."""
    store = HeldWrites()
    async with asyncio.timeout(10), ActorSystem("pool", store=store) as system:
        pool = await system.spawn_pool(Tally, size=2, name="pool")
        leaving = pool.members[1]
        assert await leaving.ask(1) == [1]
        store.gate = asyncio.Event()
        persisting = asyncio.ensure_future(leaving.ask(2))
        await store.holding.wait()
        shrinking = asyncio.ensure_future(pool.resize(1))
        while len(pool.members) != 1:  # out of the routing, draining
            await asyncio.sleep(0)
        await pool.resize(2)
        assert [member.path for member in pool.members] == ["/pool/0", "/pool/2"]
        store.gate.set()
        await shrinking
        assert await persisting == [1, 2]
        assert await pool.members[1].ask(3) == [3]
        assert await journal(store, "/pool/2") == [3]
        assert await journal(store, "/pool/1") == [1, 2]


class Owner(DurableState):
    def __init__(self) -> None:
        self.got: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "got":
            return self.got
        if isinstance(message, tuple) and message[0] == "hold":
            await message[1].wait()
        elif isinstance(message, tuple) and message[0] == "start":
            await self.reminders.start(*message[1:])
        else:
            self.got.append(message)
        return None


async def test_a_reminder_meeting_a_full_mailbox_is_a_dead_letter_and_fires_at_next_start() -> None:
    """ "A reminder that finds its owner's mailbox full is a dead letter (`mailbox_full`),
    like any timer's message, and fires again at the owner's next start"."""
    clock = ManualClock()
    async with asyncio.timeout(10), ActorSystem("r", store=MemoryStore(), clock=clock) as system:
        owner = await system.spawn(Owner, name="o", mailbox_size=1)
        await owner.ask(("start", "once", "remind", 1.0, None))
        gate = asyncio.Event()
        owner.tell(("hold", gate))
        await clock.settle()
        owner.tell("filler")  # the one place in the mailbox
        await clock.advance(1.0)
        assert [(d.message, d.reason) for d in system.dead_letters.recent] == [
            ("remind", "mailbox_full")
        ]
        gate.set()
        assert await owner.ask("got") == ["filler"]
        await owner.stop()
        again = await system.spawn(Owner, name="o")
        await clock.advance(0.0)
        assert await again.ask("got") == ["remind"]


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


async def test_two_systems_running_one_id_take_turns_failing() -> None:
    """ "One id, one system": two live instances of one id (two systems spawning one path)
    take turns failing: a write after the other's fails with `PersistenceConflict`, the
    restart recovers the other's events, and the next write lands on top of them."""
    store = SharedMemoryStore()
    async with (
        asyncio.timeout(10),
        ActorSystem("a", store=store) as first,
        ActorSystem("b", store=store.another()) as second,
    ):
        a = await first.spawn(Tally, name="acct")
        b = await second.spawn(Tally, name="acct")
        assert await a.ask("a1") == ["a1"]
        with pytest.raises(PersistenceConflict):
            await b.ask("b1")
        assert await b.ask("b2") == ["a1", "b2"]
        with pytest.raises(PersistenceConflict):
            await a.ask("a2")
        assert await a.ask("a3") == ["a1", "b2", "a3"]
        assert await journal(store, "/acct") == ["a1", "b2", "a3"]
