"""Writes of one durable instance started together (`asyncio.gather`, a TaskGroup, a task it
left running beside a handler): they go to the store one at a time, in the order they were
called, each applied after its own commit, on every store alike (a store that answers at
once, as `MemoryStore` does, must not hide what one that suspends, as SQLite does, would
refuse). A recovery rebuilds what the instance holds."""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

import pytest

from actorkit import (
    Actor,
    ActorRef,
    ActorStopped,
    ActorSystem,
    PersistenceConflict,
    PersistenceError,
)
from actorkit.persistence import DurableState, EventSourced
from actorkit.persistence._payload import decode, encode
from actorkit.testing import instance

from ..metrics_truth_support import sample, scraped
from .durable_support import MakeStore, SharedMemoryStore, Turnstile

T = TypeVar("T", bound=Actor)

pytestmark = pytest.mark.timeout(30)


class Ledger(EventSourced):
    def __init__(self) -> None:
        self.items: list[Any] = []

    def apply(self, event: Any) -> None:
        self.items.append(event)

    async def receive(self, message: Any) -> Any:
        if message == "gather":
            await asyncio.gather(self.persist("a"), self.persist("b", "c"))
        elif message == "group":
            async with asyncio.TaskGroup() as group:
                group.create_task(self.persist("a"))
                group.create_task(self.persist("b", "c"))
        elif isinstance(message, asyncio.Event):  # set as its persist is called
            message.set()
            await self.persist("h")
        return self.items


class Register(DurableState):
    async def receive(self, message: Any) -> Any:
        if message == "gather":
            await asyncio.gather(self.save(["a"]), self.save(["a", "b"]))
        return self.state


async def spawned(system: ActorSystem, cls: type[T]) -> tuple[ActorRef, T]:
    """The actor `/a` of `cls`, and its live instance, whose writes the tests start."""
    ref = await system.spawn(cls, name="a")
    live = instance(ref)
    assert isinstance(live, cls)
    return ref, live


async def recovered(store: SharedMemoryStore, cls: type, name: str) -> Any:
    """What a fresh instance rebuilds from the store."""
    async with ActorSystem("again", store=store.another()) as system:
        return await (await system.spawn(cls, name=name)).ask("show")


@pytest.mark.parametrize("how", ["gather", "group"])
async def test_persists_started_together_are_written_in_call_order_each_after_the_last(
    how: str,
) -> None:
    """The second waits for the first's commit before it goes to the store, with the sequence
    number that commit made: no conflict with itself, nothing refused, nothing reordered."""
    store = Turnstile()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            ref = await system.spawn(Ledger, name="a")
            reply = asyncio.ensure_future(ref.ask(how))
            await store.called_for(1)
            assert store.calls == [(0, ["a"])]  # the second is not in the store yet
            store.passes[0].set()
            await store.called_for(2, reply)
            assert store.calls == [(0, ["a"]), (1, ["b", "c"])]
            store.passes[1].set()
            assert await reply == ["a", "b", "c"]
            assert [(e.seq, decode(e.payload)) async for e in store.read("/a")] == [
                (1, "a"), (2, "b"), (3, "c"),
            ]  # fmt: skip
        assert await recovered(store, Ledger, "a") == ["a", "b", "c"]


async def test_saves_started_together_are_written_in_call_order_each_after_the_last() -> None:
    store = Turnstile()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            ref = await system.spawn(Register, name="a")
            reply = asyncio.ensure_future(ref.ask("gather"))
            await store.called_for(1)
            store.passes[0].set()
            await store.called_for(2, reply)
            assert store.calls == [(0, ["a"]), (1, ["a", "b"])]
            store.passes[1].set()
            assert await reply == ["a", "b"]
        assert await recovered(store, Register, "a") == ["a", "b"]


async def test_a_handler_s_persist_follows_one_its_task_has_in_flight() -> None:
    """As a timer's tick or any message would: not refused because a task of the actor
    happens to be writing, and applied after the task's events."""
    store = Turnstile()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            ref, live = await spawned(system, Ledger)
            task = asyncio.ensure_future(live.persist("task"))
            await store.called_for(1)
            calling = asyncio.Event()
            reply = asyncio.ensure_future(ref.ask(calling))
            await calling.wait()
            store.passes[0].set()
            await task
            await store.called_for(2, reply)
            assert store.calls == [(0, ["task"]), (1, ["h"])]
            store.passes[1].set()
            assert await reply == ["task", "h"]
        assert await recovered(store, Ledger, "a") == ["task", "h"]


async def test_a_write_waiting_its_turn_when_the_instance_is_replaced_writes_nothing() -> None:
    """`ActorStopped`, as for any write of a replaced instance; the one in flight lands and
    the next instance recovers it, then writes after it."""
    store = Turnstile()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            ref, live = await spawned(system, Ledger)
            first = asyncio.ensure_future(live.persist("first"))
            await store.called_for(1)
            began = asyncio.Event()

            async def after_it() -> None:
                began.set()  # then persist runs up to its first wait, in this step
                await live.persist("second")

            second = asyncio.ensure_future(after_it())
            await began.wait()
            assert not second.done()  # waiting for its turn
            await ref.stop()
            with pytest.raises(ActorStopped, match="nothing was written"):
                await second
            store.passes[0].set()
            await first
            assert store.calls == [(0, ["first"])]
        assert await recovered(store, Ledger, "a") == ["first"]


async def test_a_write_that_fails_refuses_the_writes_called_after_it() -> None:
    """As in a handler that awaits each, whose later writes do not run: none lands after one
    called before it failed; the instance writes again once that has been said. One outage,
    one store failure counted: those refused behind it reached no store."""
    store = Turnstile()
    store.failing.add(0)
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            _ref, live = await spawned(system, Ledger)
            writes = [asyncio.ensure_future(live.persist(n)) for n in ("x", "y", "z")]
            await store.called_for(1)
            store.passes[0].set()
            with pytest.raises(PersistenceError, match="unreachable"):
                await writes[0]
            for refused in writes[1:]:
                with pytest.raises(PersistenceError, match="called before it failed"):
                    await refused
            assert store.calls == [(0, ["x"])]
            failures = sample(
                scraped(system),
                "actorkit_persistence_failures_total",
                actor_type="Ledger",
                operation="persist",
                kind="error",
            )
            assert failures == 1
            after = asyncio.ensure_future(live.persist("after"))
            await store.called_for(2, after)
            store.passes[1].set()
            await after
            assert live.items == ["after"]
        assert await recovered(store, Ledger, "a") == ["after"]


async def test_after_another_writer_s_conflict_the_writes_queued_behind_conflict_too() -> None:
    """Not with the instance itself: another writer's event is what the journal holds."""
    store = Turnstile()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            _ref, live = await spawned(system, Ledger)
            writes = [asyncio.ensure_future(live.persist(n)) for n in ("x", "y")]
            await store.called_for(1)
            await SharedMemoryStore.append(store, "/a", 0, [encode("rival")])
            store.passes[0].set()
            with pytest.raises(PersistenceConflict, match="got there first"):
                await writes[0]
            with pytest.raises(PersistenceConflict, match="called before it failed"):
                await writes[1]
            assert store.calls == [(0, ["x"])]
            assert live.items == []
        assert await recovered(store, Ledger, "a") == ["rival"]


class Fussy(Ledger):
    def apply(self, event: Any) -> None:
        if event == "boom":
            raise ValueError("apply refused boom")
        super().apply(event)


async def test_a_persist_whose_apply_raises_refuses_the_writes_called_after_it() -> None:
    """Its events are stored, but its caller gets apply's error, as a handler whose later
    writes then never run: those waiting behind it write nothing either."""
    store = Turnstile()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            _ref, live = await spawned(system, Fussy)
            writes = [asyncio.ensure_future(live.persist(n)) for n in ("boom", "y", "z")]
            await store.called_for(1)
            store.passes[0].set()
            with pytest.raises(ValueError, match="apply refused boom"):
                await writes[0]
            second = asyncio.ensure_future(store.called_for(2))
            await asyncio.wait([second, *writes[1:]], return_when=asyncio.FIRST_COMPLETED)
            second.cancel()
            assert store.calls == [(0, ["boom"])]
            for refused in writes[1:]:
                with pytest.raises(PersistenceError, match="called before it failed"):
                    await refused
            assert [decode(e.payload) async for e in store.read("/a")] == ["boom"]
            assert live.items == []


class Snapshotted(Ledger):
    snapshot_every = 2

    async def receive(self, message: Any) -> Any:
        if message == "many":
            await asyncio.gather(*(self.persist(n) for n in range(7)))
        return self.items


async def test_many_persists_started_together_on_each_store_are_what_recovery_rebuilds(
    make: MakeStore,
) -> None:
    """With the snapshots their marks take while the next persist writes."""
    async with asyncio.timeout(20):
        async with ActorSystem("z", store=make()) as system:
            ref = await system.spawn(Snapshotted, name="a")
            assert await ref.ask("many") == list(range(7))
        async with ActorSystem("z", store=(store := make())) as system:
            ref = await system.spawn(Snapshotted, name="a")
            assert await ref.ask("show") == list(range(7))
            events = [(seq, event) async for seq, _, event in store.events("/a")]
            assert events == list(enumerate(range(7), 1))
            snapshot = await store.load_snapshot("/a")
            assert snapshot is not None and snapshot.seq == 6
