"""What `persist` writes and recovery replays: all or none, on every start, from snapshots."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import EventSourced, MemoryStore
from actorkit.testing import snapshot

from .durable_support import Deposited, FlakyStore, MakeStore, Unregistered, journal
from .event_sourced_support import Account

pytestmark = pytest.mark.timeout(30)


class Snapshotting(Account):
    snapshot_every = 10

    def snapshot(self) -> object:
        return self.balance

    def restore(self, snapshot: Any) -> None:
        self.balance = snapshot


async def test_state_survives_a_new_system_and_is_there_before_on_start(make: MakeStore) -> None:
    async with ActorSystem("one", store=make()) as system:
        acct = await system.spawn(Account, name="acct")
        for amount in (5, 7, 9):
            await acct.ask(amount)
    async with ActorSystem("two", store=(store := make())) as system:
        acct = await system.spawn(Account, name="acct")
        assert await acct.ask("started_with") == 21
        assert await acct.ask(1) == 22
        assert await journal(store, "/acct") == [Deposited(a) for a in (5, 7, 9, 1)]


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
    async with ActorSystem("all", store=(store := make())) as system:
        acct = await system.spawn(Account, name="acct")
        assert await acct.ask((Deposited(1), Deposited(2))) == 3
        with pytest.raises(TypeError, match="Unregistered is not a registered message type"):
            await acct.ask((Deposited(100), Unregistered(5)))
        assert await acct.ask(0) == 3
        assert [e.amount for e in await journal(store, "/acct")] == [1, 2, 0]


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
        async with ActorSystem("batches", store=(store := MemoryStore())) as system:
            acct = await system.spawn(Collects, name="acct")
            assert await acct.ask(()) == []
            commits = system.metrics.registry.get_sample_value("actorkit_store_commit_writes_count")
            assert commits == 0
            batch = [Deposited(1), Deposited(2)]
            assert await acct.ask((batch,)) == [batch]
            assert await acct.ask(tuple(batch)) == [batch, *batch]
            assert await journal(store, "/acct") == [batch, *batch]


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
