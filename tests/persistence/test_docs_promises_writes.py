"""Promises of docs/persistence.md about durable actors' writes that no other test pinned, each
test naming the sentence it keeps: what `persist` stores, reminder writes beside a persist in
flight, a reminder meeting a full mailbox, a pool grown while a shrunk member drains, two
systems running one id, and the agent history of a system that keeps none."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import DurableState, MemoryStore, PersistenceConflict
from actorkit.testing import ManualClock, instance

from .docs_promises_support import Log, Tally, journal
from .durable_support import SharedMemoryStore
from .instances_support import HeldWrites

pytestmark = pytest.mark.timeout(30)


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
