"""Writes of one durable instance started together (`asyncio.gather`, a TaskGroup, a task it
left running beside a handler): they go to the store one at a time, in the order they were
called, each applied after its own commit, on every store alike (a store that answers at
once, as `MemoryStore` does, must not hide what one that suspends, as SQLite does, would
refuse). A recovery rebuilds what the instance holds."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from actorkit import ActorStopped, ActorSystem
from actorkit.persistence import DurableState, EventSourced
from actorkit.persistence._binding import Binding
from actorkit.persistence._payload import decode
from actorkit.testing import instance

from .durable_support import SharedMemoryStore

pytestmark = pytest.mark.timeout(30)


class Turnstile(SharedMemoryStore):
    """Holds each append and state save until the test lets that one through: `calls` are
    the writes the store was asked for, in order; `passes[i]` lets the i-th commit."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[object] = []
        self.passes: list[asyncio.Event] = []
        self.called = asyncio.Event()

    async def _turn(self, what: object) -> None:
        self.calls.append(what)
        gate = asyncio.Event()
        self.passes.append(gate)
        self.called.set()
        await gate.wait()

    async def called_for(self, count: int, *callers: asyncio.Future[Any]) -> None:
        """Back once the store was asked for `count` writes; a caller that ended first (a
        write refused) raises what it got instead of leaving the test to its timeout."""
        while len(self.calls) < count:
            self.called.clear()
            called = asyncio.ensure_future(self.called.wait())
            await asyncio.wait([called, *callers], return_when=asyncio.FIRST_COMPLETED)
            called.cancel()
            for caller in callers:
                if caller.done():
                    caller.result()
                    raise AssertionError(f"{caller} ended before the write it awaits")

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        await self._turn((expected_seq, [decode(p) for p in payloads]))
        return await super().append(persistence_id, expected_seq, payloads)

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        await self._turn((expected_revision, decode(payload)))
        return await super().save_state(persistence_id, expected_revision, payload)


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
            ref = await system.spawn(Ledger, name="a")
            live = instance(ref)
            assert isinstance(live, Ledger)
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
            ref = await system.spawn(Ledger, name="a")
            live = instance(ref)
            assert isinstance(live, Ledger)
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


async def test_a_write_cancelled_while_waiting_its_turn_leaves_the_next_one_its_turn() -> None:
    store = Turnstile()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            ref = await system.spawn(Ledger, name="a")
            live = instance(ref)
            assert isinstance(live, Ledger)
            writes = [asyncio.ensure_future(live.persist(n)) for n in ("x", "y", "z")]
            await store.called_for(1)
            writes[1].cancel()
            store.passes[0].set()
            await store.called_for(2, writes[2])
            store.passes[1].set()
            await writes[2]
            with pytest.raises(asyncio.CancelledError):
                await writes[1]
            assert store.calls == [(0, ["x"]), (1, ["z"])]
            assert live.items == ["x", "z"]
        assert await recovered(store, Ledger, "a") == ["x", "z"]


class Service:
    """What a binding asks of its `Persistence`, for the edges of a turn that the actor-level
    tests cannot reach at will: a turn handed over and then cancelled or retired before the
    write that waited for it runs."""

    store = None
    metrics = None

    def written(self, binding: Binding) -> None:
        pass


async def writing(binding: Binding) -> tuple[asyncio.Task[None], asyncio.Task[None]]:
    """A persist in flight (`busy`), and two more called after it, waiting their turns."""
    binding.recovered_now()
    binding.busy = True
    queued = asyncio.Event()

    async def wait_turn(last: bool) -> None:
        if last:
            queued.set()  # turn() queues its waiter before it first waits
        await binding.turn("persist")

    second = asyncio.ensure_future(wait_turn(False))
    third = asyncio.ensure_future(wait_turn(True))
    await queued.wait()
    assert len(binding.waiting) == 2
    return second, third


def a_binding() -> Binding:
    cell: Any = SimpleNamespace(
        display_path="/a", runtime=SimpleNamespace(loop=asyncio.get_running_loop())
    )
    return Binding(Service(), cell, "a", "Ledger")  # type: ignore[arg-type]


async def test_a_turn_handed_to_a_write_cancelled_before_it_ran_goes_to_the_next() -> None:
    async with asyncio.timeout(5):
        binding = a_binding()
        second, third = await writing(binding)
        binding.end_write()  # the first ends: the second's turn
        second.cancel()  # before it ran
        with pytest.raises(asyncio.CancelledError):
            await second
        await third  # holds the turn now
        assert binding.busy is True and not binding.waiting
        binding.end_write()
        assert binding.busy is False


async def test_a_turn_handed_to_a_write_of_an_instance_retired_before_it_ran_ends_it() -> None:
    """The handed turn counts as the write in flight that the next instance's recovery
    waits for: refused, it lets that recovery go on."""
    async with asyncio.timeout(5):
        binding = a_binding()
        second, third = await writing(binding)
        binding.end_write()  # the first ends: the second's turn
        in_flight = binding.retire(replaced=True)
        assert in_flight is not None and not in_flight.done()
        for waiting in (second, third):
            with pytest.raises(ActorStopped, match="nothing was written"):
                await waiting
        await in_flight


async def test_writes_waiting_when_the_instance_is_retired_are_refused_at_once() -> None:
    """Not after the write in flight ends: the next instance's recovery waits for that one
    alone."""
    async with asyncio.timeout(5):
        binding = a_binding()
        second, third = await writing(binding)
        in_flight = binding.retire(replaced=False)
        assert in_flight is not None
        for waiting in (second, third):
            with pytest.raises(ActorStopped, match="is stopped"):
                await waiting
        assert not in_flight.done()
        binding.end_write()  # the write in flight ends
        await in_flight
