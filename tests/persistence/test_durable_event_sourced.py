"""EventSourced: recovery on every start and restart, all or none, snapshots, store failures
and fencing (API.md §11), over every store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from actorkit import Actor, ActorSystem, OneForOne
from actorkit.persistence import (
    EventSourced,
    MemoryStore,
    PersistenceConflict,
    PersistenceError,
    StoredEvent,
)
from actorkit.persistence._payload import encode
from actorkit.testing import snapshot

from .durable_support import (
    KINDS,
    Deposited,
    FlakyStore,
    MakeStore,
    Unregistered,
    journal,
    store_maker,
)

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(params=KINDS)
def make(request: pytest.FixtureRequest, tmp_path: Path) -> MakeStore:
    return store_maker(request, tmp_path)


class Account(EventSourced):
    applied: ClassVar[list[int]] = []
    """Every `apply`, in every instance: what recovery replayed."""

    def __init__(self) -> None:
        self.balance = 0
        self.started_with: int | None = None

    def apply(self, event: Any) -> None:
        Account.applied.append(event.amount)
        self.balance += event.amount

    async def on_start(self) -> None:
        self.started_with = self.balance

    async def receive(self, message: Any) -> Any:
        if message == "started_with":
            return self.started_with
        if message == "crash":
            raise RuntimeError("crash")
        if isinstance(message, tuple):
            await self.persist(*message)
        elif isinstance(message, int):
            await self.persist(Deposited(message))
            if message < 0:
                raise RuntimeError("crashed after persisting")
        return self.balance


class Snapshotting(Account):
    snapshot_every = 10

    def snapshot(self) -> object:
        return self.balance

    def restore(self, snapshot: Any) -> None:
        self.balance = snapshot


@pytest.fixture(autouse=True)
def _fresh_counts() -> None:
    Account.applied.clear()


async def test_state_survives_a_new_system_and_is_there_before_on_start(make: MakeStore) -> None:
    async with ActorSystem("one", store=make()) as system:
        acct = await system.spawn(Account, name="acct")
        for amount in (5, 7, 9):
            await acct.ask(amount)
    async with ActorSystem("two", store=make()) as system:
        acct = await system.spawn(Account, name="acct")
        assert await acct.ask("started_with") == 21
        assert await acct.ask(1) == 22
        assert await journal(system.store, "/acct") == [Deposited(a) for a in (5, 7, 9, 1)]


async def test_a_restart_recovers_the_journal_even_after_a_crash_midway(make: MakeStore) -> None:
    async with ActorSystem("restart", store=make()) as system:
        acct = await system.spawn(Account, name="acct")
        await acct.ask(10)
        with pytest.raises(RuntimeError, match="crashed after persisting"):
            await acct.ask(-3)  # durable, applied, then the handler failed
        acct.tell("crash")
        # Sent while it restarts and recovers: waits in the mailbox, then sees the state.
        assert await acct.ask("started_with") == 7
        assert await acct.ask(1) == 8


async def test_messages_wait_in_the_mailbox_while_a_restart_recovers() -> None:
    store = FlakyStore()
    async with ActorSystem("slow", store=store) as system:
        acct = await system.spawn(Account, name="acct")
        await acct.ask(4)
        store.gate = asyncio.Event()
        acct.tell("crash")
        pending = asyncio.ensure_future(acct.ask(1))
        await store.reading.wait()  # the new instance is recovering
        seen = snapshot(acct)
        assert (seen.state, seen.accounting.queued) == ("restarting", 1)
        assert not pending.done()
        store.gate.set()
        assert await pending == 5


async def test_persist_writes_all_events_or_none(make: MakeStore) -> None:
    async with ActorSystem("all", store=make()) as system:
        acct = await system.spawn(Account, name="acct")
        assert await acct.ask((Deposited(1), Deposited(2))) == 3
        with pytest.raises(TypeError, match="Unregistered is not a registered message type"):
            await acct.ask((Deposited(100), Unregistered(5)))
        assert await acct.ask(0) == 3
        assert [e.amount for e in await journal(system.store, "/acct")] == [1, 2, 0]


class Collects(EventSourced):
    def __init__(self) -> None:
        self.events: list[Any] = []

    def apply(self, event: Any) -> None:
        self.events.append(event)

    async def receive(self, message: Any) -> Any:
        await self.persist(*message)
        return self.events


async def test_persist_of_no_events_writes_nothing_and_a_list_is_one_event() -> None:
    """As documented: an empty batch is no write (Akka's `persistAll(Nil)`), and each argument
    is one event, so a list passed whole is stored, and applied, whole."""
    async with asyncio.timeout(10):
        async with ActorSystem("batches", store=MemoryStore()) as system:
            acct = await system.spawn(Collects, name="acct")
            assert await acct.ask(()) == []
            commits = system.metrics.registry.get_sample_value("actorkit_store_commit_writes_count")
            assert commits == 0
            batch = [Deposited(1), Deposited(2)]
            assert await acct.ask((batch,)) == [batch]
            assert await acct.ask(tuple(batch)) == [batch, *batch]
            assert await journal(system.store, "/acct") == [batch, *batch]


async def test_snapshots_make_recovery_replay_only_the_events_after_the_latest(
    make: MakeStore,
) -> None:
    async with ActorSystem("snap", store=make()) as system:
        acct = await system.spawn(Snapshotting, name="acct")
        for _ in range(95):
            await acct.ask(1)
        Account.applied.clear()
        acct.tell("crash")
        assert await acct.ask("started_with") == 95
        assert len(Account.applied) == 5  # snapshot at 90, then events 91..95


async def test_a_store_failure_raises_in_the_handler_and_the_actor_recovers_after() -> None:
    store = FlakyStore()
    strategy = OneForOne(max_restarts=10, within=60.0)
    async with ActorSystem("flaky", store=store, supervisor=strategy) as system:
        acct = await system.spawn(Account, name="acct")
        await acct.ask(2)
        store.down = True
        with pytest.raises(PersistenceError, match="the database is gone"):
            await acct.ask(3)
        store.down = False
        assert await acct.ask("started_with") == 2  # restarted by its supervisor, recovered
        assert await acct.ask(3) == 5
        assert system.lookup("/acct") is not None


async def test_a_driver_error_from_a_store_still_reaches_the_handler_as_persistence_error() -> None:
    store = FlakyStore()
    async with ActorSystem("broken", store=store) as system:
        acct = await system.spawn(Account, name="acct")
        store.broken = OSError("disk on fire")
        with pytest.raises(PersistenceError, match=r"persisting 1 event\(s\) of '/acct' failed"):
            await acct.ask(3)
        store.broken = None
        assert await acct.ask(3) == 3


class DriverErrorOnRead(FlakyStore):
    """Its journal reads fail with a driver's own error, as a store that breaks the contract."""

    async def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        raise OSError("connection reset")
        yield  # pragma: no cover - an async generator


class FailingApply(EventSourced):
    def apply(self, event: Any) -> None:
        raise LookupError(f"no such account: {event!r}")

    async def receive(self, message: Any) -> Any:
        return message


async def test_a_driver_error_in_recovery_is_a_persistence_error_apply_s_stays_its_own() -> None:
    async with asyncio.timeout(10):
        async with ActorSystem("broken", store=DriverErrorOnRead()) as system:
            with pytest.raises(PersistenceError, match=r"reading the journal of '/acct' failed"):
                await system.spawn(Account, name="acct")
        store = FlakyStore()
        await store.append("/bad", 0, [encode(Deposited(1))])
        async with ActorSystem("apply", store=store) as system:
            with pytest.raises(LookupError, match="no such account"):
                await system.spawn(FailingApply, name="bad")


async def test_a_second_writer_of_one_id_gets_a_conflict_and_never_interleaves(
    make: MakeStore,
) -> None:
    async with (
        ActorSystem("first", store=make()) as first,
        ActorSystem("second", store=make()) as second,
    ):
        a = await first.spawn(Account, name="acct")
        b = await second.spawn(Account, name="acct")  # same path: same persistence id
        await a.ask(1)
        await a.ask(2)
        with pytest.raises(PersistenceConflict):
            await b.ask(100)
        assert [e.amount for e in await journal(first.store, "/acct")] == [1, 2]
        # Restarted by its supervisor, the second one has seen the journal: it may go on,
        # and now the first one is the stale writer.
        assert await b.ask(4) == 7
        with pytest.raises(PersistenceConflict):
            await a.ask(8)
        assert [e.amount for e in await journal(second.store, "/acct")] == [1, 2, 4]


async def test_persistence_id_is_given_at_spawn_and_kept_across_restarts(make: MakeStore) -> None:
    async with ActorSystem("ids", store=make()) as system:
        acct = await system.spawn(Account, name="a", persistence_id="account-42")
        await acct.ask(6)
        acct.tell("crash")
        assert await acct.ask(1) == 7

        class Parent(Account):
            async def receive(self, message: Any) -> Any:
                child = await self.spawn(Account, name="child", persistence_id="account-42")
                return await child.ask("started_with")

        await acct.stop()
        parent = await system.spawn(Parent, name="parent")
        assert await parent.ask("spawn") == 7
        assert len(await journal(system.store, "account-42")) == 2
        assert await journal(system.store, "/a") == []


class StartsLoudly:
    """A mixin with its own on_start, placed before the durable base."""

    async def on_start(self) -> None:
        self.started_with = self.balance  # type: ignore[attr-defined]


class Mixed(StartsLoudly, Account):
    pass


class MixedChild(Mixed):
    async def on_start(self) -> None:
        await super().on_start()
        self.started_with += 1000


class CountsStarts(Actor):
    """An actor mixin with its own on_start, placed after the durable base."""

    async def on_start(self) -> None:
        self.started_with = self.balance  # type: ignore[attr-defined]


class MixedAfter(EventSourced, CountsStarts):
    def __init__(self) -> None:
        self.balance = 0
        self.started_with: int | None = None

    def apply(self, event: Any) -> None:
        self.balance += event.amount

    async def receive(self, message: Any) -> Any:
        if message == "started_with":
            return self.started_with
        await self.persist(Deposited(message))
        return self.balance


async def test_an_actor_mixin_after_the_durable_base_starts_too_after_recovery() -> None:
    async with asyncio.timeout(10):
        async with ActorSystem("after", store=FlakyStore()) as system:
            mixed = await system.spawn(MixedAfter, name="m")
            assert await mixed.ask("started_with") == 0
            await mixed.ask(5)
            await mixed.stop()
            mixed = await system.spawn(MixedAfter, name="m")
            assert await mixed.ask("started_with") == 5


async def test_recovery_comes_before_a_mixin_s_on_start_and_a_subclass_s(make: MakeStore) -> None:
    async with ActorSystem("mixins", store=make()) as system:
        mixed = await system.spawn(Mixed, name="m")
        await mixed.ask(5)
        await mixed.stop()
        mixed = await system.spawn(Mixed, name="m")
        assert await mixed.ask("started_with") == 5
        await mixed.stop()
        child = await system.spawn(MixedChild, name="c", persistence_id="/m")
        assert await child.ask("started_with") == 1005
        assert Account.applied.count(5) == 3  # one apply per persist or recovery, no more
