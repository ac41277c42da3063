"""API.md section 11 (durable actors), as an outside checker calls it: `persist` applies its
events only once they are durable; a message sent during a first start waits for recovery; a
batch crossing `snapshot_every` is snapshotted and restored before `on_start`; reminders are
stored at wall-clock due times under the persistence id, plain timers not at all; every store
stamps events with their write's wall-clock time."""

from __future__ import annotations

import asyncio
import time
from typing import Any, ClassVar

import pytest

from actorkit import ActorSystem, PersistenceError
from actorkit.persistence import DurableState, MemoryStore
from actorkit.testing import ManualClock, instance, snapshot

from .durable_support import Deposited, FlakyStore, MakeStore, Turnstile
from .event_sourced_support import Account

pytestmark = pytest.mark.timeout(30)


async def balance_of(ref: Any) -> int:
    live = instance(ref)
    assert isinstance(live, Account)
    return live.balance


async def test_persist_applies_its_events_only_once_the_store_made_them_durable() -> None:
    """Section 11: `persist` "returns once durable, then applied". While the store holds the
    write, `apply` has not run; a write the store fails is never applied and raises
    `PersistenceError` in the handler."""
    store = Turnstile()
    async with asyncio.timeout(10), ActorSystem("durable-first", store=store) as system:
        account = await system.spawn(Account, name="acct")
        first = asyncio.ensure_future(account.ask((Deposited(5), Deposited(7))))
        await store.called_for(1, first)
        assert await balance_of(account) == 0
        store.passes[0].set()
        assert await first == 12
        store.failing.add(1)
        second = asyncio.ensure_future(account.ask(100))
        await store.called_for(2, second)
        assert await balance_of(account) == 12
        store.passes[1].set()
        with pytest.raises(PersistenceError):
            await second
        assert [event async for _, _, event in store.events("/acct")] == [
            Deposited(5),
            Deposited(7),
        ]


async def test_a_message_arriving_during_the_first_start_s_recovery_waits_for_it() -> None:
    """Section 11: recovery runs "on every start and restart", and "messages that arrive
    meanwhile wait in the mailbox": here the first start of `/acct` in this run, its ref
    found by `lookup` while the store still holds the read."""
    store = FlakyStore()
    async with asyncio.timeout(10), ActorSystem("first-start", store=store) as system:
        before = await system.spawn(Account, name="acct")
        await before.ask(4)
        await before.stop()
        store.gate = asyncio.Event()
        spawning = asyncio.ensure_future(system.spawn(Account, name="acct"))
        await store.reading.wait()
        account = system.lookup("/acct")
        assert account is not None
        asking = asyncio.ensure_future(account.ask("started_with"))
        await asyncio.sleep(0)  # one turn: the ask is queued, not a wait for time
        assert snapshot(account).accounting.queued == 1 and not asking.done()
        store.gate.set()
        assert await spawning == account
        assert await asking == 4


class Snapshotting(Account):
    snapshot_every = 3
    restored: ClassVar[list[int]] = []

    def snapshot(self) -> object:
        return self.balance

    def restore(self, snapshot: Any) -> None:
        Snapshotting.restored.append(snapshot)
        self.balance = snapshot


async def test_a_batch_crossing_snapshot_every_is_snapshotted_and_restored_before_on_start(
    make: MakeStore,
) -> None:
    """Section 11: snapshots are "taken every `snapshot_every` events", and on the next start
    "the latest snapshot (`restore(snapshot)`)" comes before `on_start`, with only the later
    events replayed; a batch of four, with `snapshot_every = 3`, must not skip its snapshot."""
    async with ActorSystem("first", store=(store := make())) as system:
        account = await system.spawn(Snapshotting, name="acct")
        assert await account.ask(tuple(Deposited(n) for n in (1, 2, 3, 4))) == 10
        stored = await store.load_snapshot("/acct")
        assert stored is not None and stored.seq == 4
        assert await account.ask(10) == 20  # seq 5: one event past the snapshot
    Account.applied.clear()
    Snapshotting.restored.clear()
    async with ActorSystem("second", store=make()) as system:
        account = await system.spawn(Snapshotting, name="acct")
        assert Snapshotting.restored == [10]
        assert Account.applied == [10]
        assert await account.ask("started_with") == 20


class Reminding(DurableState):
    """`(key, delay)` starts a one-shot reminder; "got" answers what reminders delivered."""

    def __init__(self) -> None:
        self.got: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "got":
            return self.got
        if isinstance(message, tuple):
            key, delay = message
            await self.reminders.start(key, f"{key} is due", delay)
        else:
            self.got.append(message)
        return None


async def test_reminders_due_times_are_stored_as_wall_clock_times() -> None:
    """Section 11: "Due times are kept as wall-clock times", seconds since the epoch on the
    real clock; a `ManualClock`'s own time, counted from 0.0, on a manual one."""
    store = MemoryStore()
    async with ActorSystem("real", store=store) as system:
        owner = await system.spawn(Reminding, name="owner")
        before = time.time()
        await owner.ask(("real", 60.0))
        after = time.time()
        (real,) = await store.reminders("/owner")
        assert before + 60.0 <= real.due <= after + 60.0
    clock = ManualClock()
    store = MemoryStore()
    async with ActorSystem("manual", store=store, clock=clock) as system:
        await clock.advance(3.0)
        owner = await system.spawn(Reminding, name="owner")
        await owner.ask(("manual", 10.0))
        (manual,) = await store.reminders("/owner")
        assert manual.due == 13.0


async def test_reminders_follow_the_persistence_id_not_the_path_nor_the_system_name(
    make: MakeStore,
) -> None:
    """Section 11: reminders are "keyed by the owner's persistence id and the key (not by
    system name)". An owner spawned elsewhere, under another name, with the same persistence
    id gets them, one already due firing after its recovery; an owner of another id gets
    none."""
    async with ActorSystem("before", store=make(), clock=ManualClock()) as system:
        owner = await system.spawn(Reminding, name="first", persistence_id="billing")
        await owner.ask(("due-soon", 5.0))
        await owner.ask(("due-later", 50.0))
    clock = ManualClock(10.0)
    async with ActorSystem("after", store=make(), clock=clock) as system:
        other = await system.spawn(Reminding, name="first")
        owner = await system.spawn(Reminding, name="second", persistence_id="billing")
        await clock.advance(0.0)
        assert await owner.ask("got") == ["due-soon is due"]
        await clock.advance(40.0)
        assert await owner.ask("got") == ["due-soon is due", "due-later is due"]
        assert await other.ask("got") == []


class Timing(Reminding):
    """A `Reminding` that also sets a plain timer of its own on "plain"."""

    async def receive(self, message: Any) -> Any:
        if message == "plain":
            self.timers.start_once("plain", "plain timer fired", 5.0)
            return None
        return await super().receive(message)


async def test_a_durable_actor_s_plain_timers_stay_volatile(make: MakeStore) -> None:
    """Section 11: "Plain timers stay as they are (volatile)". A durable actor's own timer is
    not stored: the next start, elsewhere on the store, arms its reminder and not that timer."""
    async with ActorSystem("volatile", store=(store := make()), clock=ManualClock()) as system:
        owner = await system.spawn(Timing, name="owner")
        await owner.ask("plain")
        await owner.ask(("kept", 5.0))
        assert [reminder.key for reminder in await store.reminders("/owner")] == ["kept"]
    clock = ManualClock(10.0)
    async with ActorSystem("again", store=make(), clock=clock) as system:
        owner = await system.spawn(Timing, name="owner")
        await clock.advance(10.0)
        assert await owner.ask("got") == ["kept is due"]


async def test_every_store_gives_each_event_its_write_s_wall_clock_time(make: MakeStore) -> None:
    """Section 11: in `async for seq, time, event in system.store.events(...)`, "`time` is
    the write's wall-clock time in seconds since the epoch, a float", whichever store."""
    async with ActorSystem("times", store=(store := make())) as system:
        account = await system.spawn(Account, name="acct")
        spans = []
        for amount in (5, 7):
            before = time.time()
            await account.ask(amount)
            spans.append((before, time.time()))
        rows = [row async for row in store.events("/acct")]
    assert [(seq, event) for seq, _, event in rows] == [(1, Deposited(5)), (2, Deposited(7))]
    for (_, at, _), (before, after) in zip(rows, spans, strict=True):
        assert type(at) is float and before <= at <= after
