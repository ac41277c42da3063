"""A durable actor's write cancelled while it waits (an `asyncio.timeout` around `persist` that
fires): the write is stored or not, never half, and the instance believes what the store holds
either way, so its next write is not refused as a conflict with itself and a restart finds
the same state. Cancelled at once, nothing is written; cancelled in the loop turn its commit
lands (before the caller resumed), it is written and the instance has it too."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorRef, ActorSystem
from actorkit.persistence import DurableState, EventSourced, SQLiteStore
from actorkit.persistence._base import StoreBase
from actorkit.persistence._payload import decode
from actorkit.testing import ManualClock, cancel_task

from .durable_support import Deposited, MakeStore, journal

pytestmark = pytest.mark.timeout(30)

WHEN = ["at-once", "after-its-commit", "again-in-its-read-back"]
"""Cancelled before its write starts; as its commit lands; and at once again while it reads
the store back (two timeouts around it, firing in turn): the last two are stored."""


async def gave_up(write: Awaitable[object], at_once: bool) -> str:
    """The write, under a cancellation its caller takes back, as `asyncio.timeout` does."""
    task = asyncio.current_task()
    assert task is not None
    if at_once:
        task.cancel()
    try:
        await write
    except asyncio.CancelledError:
        while task.uncancel():
            pass
        return "gave up"
    return "done"


class Ledger(EventSourced):
    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: Any) -> None:
        self.total += event.amount

    async def receive(self, message: Any) -> Any:
        if message == "total":
            return self.total
        amount, at_once = message
        return await gave_up(self.persist(Deposited(amount)), at_once)


class Owner(DurableState):
    """`("save", state)`, `("remind", key)`, `("forget", key)`, each with a flag: cancelled at
    once; anything else is recorded."""

    def __init__(self) -> None:
        self.got: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message in ("state", "got"):
            return self.state if message == "state" else self.got
        if not isinstance(message, tuple):
            self.got.append(message)
            return None
        verb, value, at_once = message
        if verb == "save":
            return await gave_up(self.save(value), at_once)
        if verb == "remind":
            return await gave_up(self.reminders.start(value, value, 5.0), at_once)
        return await gave_up(self.reminders.cancel(value), at_once)


def cancel_at_commit(store: StoreBase, ref: ActorRef, again: bool) -> None:
    """Cancel the actor's task as the next commit lands, before the writer hears of it; and
    `again` right after it heard (callbacks run in order): as it reads the store back."""

    def commit_seen(writes: int, seconds: float) -> None:
        store.on_commit = None
        cancel_task(ref)
        if again:
            asyncio.get_running_loop().call_soon(cancel_task, ref)

    store.on_commit = commit_seen


async def cancelled_write(
    store: StoreBase, ref: ActorRef, message: tuple[Any, ...], when: str
) -> None:
    if when != "at-once":
        cancel_at_commit(store, ref, again=when == "again-in-its-read-back")
    assert await ref.ask((*message, when == "at-once")) == "gave up"


@pytest.mark.parametrize("when", WHEN)
async def test_a_cancelled_persist_is_applied_exactly_when_it_was_stored(
    make_sql_store: MakeStore, when: str
) -> None:
    stored = when != "at-once"
    async with asyncio.timeout(20):
        async with ActorSystem("p", store=(store := make_sql_store()), metrics=False) as system:
            ledger = await system.spawn(Ledger, name="ledger")
            assert await ledger.ask((1, False)) == "done"
            await cancelled_write(store, ledger, (10,), when)
            assert await ledger.ask("total") == (11 if stored else 1)
            assert await ledger.ask((100, False)) == "done"  # no conflict with itself
            total = await ledger.ask("total")
            assert [event.amount for event in await journal(store, "/ledger")] == (
                [1, 10, 100] if stored else [1, 100]
            )
        async with ActorSystem("p", store=make_sql_store(), metrics=False) as system:
            assert await (await system.spawn(Ledger, name="ledger")).ask("total") == total


@pytest.mark.parametrize("when", WHEN)
async def test_a_cancelled_save_leaves_the_state_the_store_has(
    make_sql_store: MakeStore, when: str
) -> None:
    stored = when != "at-once"
    async with asyncio.timeout(20):
        async with ActorSystem("s", store=(store := make_sql_store()), metrics=False) as system:
            owner = await system.spawn(Owner, name="owner")
            assert await owner.ask(("save", "first", False)) == "done"
            await cancelled_write(store, owner, ("save", "second"), when)
            assert await owner.ask("state") == ("second" if stored else "first")
            assert await owner.ask(("save", "third", False)) == "done"
        async with ActorSystem("s", store=make_sql_store(), metrics=False) as system:
            assert await (await system.spawn(Owner, name="owner")).ask("state") == "third"


@pytest.mark.parametrize("when", WHEN)
@pytest.mark.parametrize("verb", ["remind", "forget"])
async def test_a_cancelled_reminder_start_or_cancel_is_armed_as_the_store_has_it(
    make_sql_store: MakeStore, when: str, verb: str
) -> None:
    """Stored but not armed, a reminder would wait for the next start of its owner; deleted
    but still armed, it would fire after its cancel."""
    stored = when != "at-once"
    fires = stored if verb == "remind" else not stored
    clock = ManualClock()
    async with asyncio.timeout(20):
        store = make_sql_store()
        async with ActorSystem("r", store=store, clock=clock, metrics=False) as system:
            owner = await system.spawn(Owner, name="owner")
            if verb == "forget":
                assert await owner.ask(("remind", "ping", False)) == "done"
            await cancelled_write(store, owner, (verb, "ping"), when)
            assert [r.key for r in await store.reminders("/owner")] == (["ping"] if fires else [])
            await clock.advance(5.0)
            assert await owner.ask("got") == (["ping"] if fires else [])


async def test_a_cancelled_close_still_closes_the_store(tmp_path: Path) -> None:
    """Its writes in flight commit, and its connections close (SQLite removes the WAL file
    when the last one does), though its caller stopped waiting."""
    path = tmp_path / "store.db"
    async with asyncio.timeout(20):
        for turns in range(8):
            store = SQLiteStore(path)
            await store.open()
            writing = asyncio.ensure_future(store.append(f"w{turns}", 0, [b"x"]))
            await asyncio.sleep(0)  # in the batch being committed
            closing = asyncio.ensure_future(store.close())
            for _ in range(turns):
                await asyncio.sleep(0)
            closing.cancel()
            await asyncio.gather(closing, return_exceptions=True)
            await store.close()  # waits for the close under way
            assert isinstance(await writing, float)
            assert not path.with_name("store.db-wal").exists()
        async with SQLiteStore(path) as store:
            assert [await store.highest_seq(f"w{turns}") for turns in range(8)] == [1] * 8


class Snapshotting(Ledger):
    snapshot_every = 2

    def snapshot(self) -> object:
        return self.total

    def restore(self, snapshot: Any) -> None:
        self.total = snapshot


async def test_a_cancelled_persist_that_was_stored_still_gets_its_snapshot_taken(
    make_sql_store: MakeStore,
) -> None:
    """Stored after all, a cancelled persist is applied as after a call that returned, and
    the snapshot its events crossed the mark for is owed: the next persist that returns takes
    it (not the cancelled one, whose caller is not kept waiting for it). Skipped, the next
    snapshot would wait for the next mark, and recovery replay twice `snapshot_every`."""
    async with asyncio.timeout(20):
        async with ActorSystem("p", store=(store := make_sql_store()), metrics=False) as system:
            ledger = await system.spawn(Snapshotting, name="ledger")
            assert await ledger.ask((1, False)) == "done"
            await cancelled_write(store, ledger, (10,), "after-its-commit")  # crosses 2
            assert await ledger.ask("total") == 11
            assert await store.load_snapshot("/ledger") is None
            assert await ledger.ask((100, False)) == "done"
            snapshot = await store.load_snapshot("/ledger")
            assert snapshot is not None
            assert (snapshot.seq, decode(snapshot.payload)) == (3, 111)


@pytest.mark.parametrize("when", WHEN)
@pytest.mark.parametrize(
    ("factory", "write", "counter"),
    [
        (Ledger, (10,), "actorkit_events_persisted_total"),
        (Owner, ("save", "second"), "actorkit_states_saved_total"),
    ],
)
async def test_a_cancelled_write_is_counted_exactly_when_it_was_stored(
    make_sql_store: MakeStore,
    when: str,
    factory: type[Ledger | Owner],
    write: tuple[Any, ...],
    counter: str,
) -> None:
    """The metrics count what the store holds: a write its caller gave up on but that
    committed is persisted as much as one that returned."""
    written = 2 if when != "at-once" else 1
    async with asyncio.timeout(20):
        async with ActorSystem("c", store=(store := make_sql_store())) as system:
            ref = await system.spawn(factory, name="writer")
            first = (1, False) if factory is Ledger else ("save", "first", False)
            assert await ref.ask(first) == "done"
            await cancelled_write(store, ref, write, when)
            labels = {"actor_type": factory.__name__}
            registry = system.metrics.registry
            assert registry.get_sample_value(counter, labels) == written
            assert registry.get_sample_value("actorkit_persist_seconds_count", labels) == written
