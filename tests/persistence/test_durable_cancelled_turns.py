"""Writes of one instance started together commit one at a time, in call order
(test_durable_concurrent_writes). One of them that ends unstored because it was cancelled (in
the store, before its batch took it; or while it waited its turn), or whose store could not
say whether it was stored, refuses the writes called after it, as a failed one does: the
journal never holds a write without the ones called before it, on every store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from actorkit import ActorSystem, PersistenceError
from actorkit.persistence import MemoryStore, StoredEvent, StoredState
from actorkit.persistence._payload import encode

from .durable_support import MakeStore, Turnstile, journal
from .test_durable_concurrent_writes import Ledger, Register, recovered, spawned

pytestmark = pytest.mark.timeout(30)


async def cancelled_at_once(write: Callable[[], Awaitable[None]]) -> None:
    """The write called with a cancellation pending: it runs to its first wait (in the
    store, for an append or save that suspends there), where the cancellation lands."""
    task = asyncio.current_task()
    assert task is not None
    task.cancel()
    await write()


async def outcomes(*calls: Awaitable[None]) -> list[BaseException | None]:
    """Each call in a task of its own, started in this order; what each ended with."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    await asyncio.wait(tasks)
    return [asyncio.CancelledError() if task.cancelled() else task.exception() for task in tasks]


async def refused_or_written(store: Turnstile, write: asyncio.Future[None]) -> None:
    """Back once `write` ended or went to the store as its second write (never let through),
    so that a write that should have been refused fails the test at once."""
    called = asyncio.ensure_future(store.called_for(2))
    await asyncio.wait([called, write], return_when=asyncio.FIRST_COMPLETED)
    called.cancel()
    assert len(store.calls) == 1, f"the store was asked for {store.calls}"


async def test_a_persist_cancelled_in_the_store_and_not_stored_refuses_the_next(
    make: MakeStore,
) -> None:
    """A SQL store drops a write whose caller is cancelled before its batch takes it: the
    persist called after it must not commit without it. A `MemoryStore` write never waits,
    so the cancellation lands after its commit: both are stored, in call order."""
    async with asyncio.timeout(20):
        store = make()
        async with ActorSystem("z", store=store, metrics=False) as system:
            _ref, live = await spawned(system, Ledger)
            first, second = await outcomes(
                cancelled_at_once(lambda: live.persist("a")), live.persist("b")
            )
            assert isinstance(first, asyncio.CancelledError)
            held = await journal(store, "/a")
            if isinstance(store, MemoryStore):
                assert (held, second) == (["a", "b"], None)
            else:
                assert held == []
                assert isinstance(second, PersistenceError)
                assert "the persist of this actor called before it was cancelled" in str(second)
                assert "nothing was written" in str(second)
            assert live.items == held
            await live.persist("after")  # called once the cancellation was raised: written
            assert live.items == [*held, "after"]
        async with ActorSystem("z", store=make(), metrics=False) as system:
            assert await (await system.spawn(Ledger, name="a")).ask("show") == [*held, "after"]


async def test_a_persist_cancelled_as_its_commit_lands_is_followed_by_the_next(
    make: MakeStore,
) -> None:
    """Stored after all, it is applied as after a call that returned, and the persist called
    after it writes after it: only a write that ends unstored refuses those behind it."""
    async with asyncio.timeout(20):
        store = make()
        async with ActorSystem("z", store=store, metrics=False) as system:
            _ref, live = await spawned(system, Ledger)
            first = asyncio.ensure_future(live.persist("a"))

            def landed(writes: int, seconds: float) -> None:
                store.on_commit = None
                first.cancel()  # before its caller heard of the commit

            store.on_commit = landed
            first_outcome, second = await outcomes(first, live.persist("b"))
            assert isinstance(first_outcome, asyncio.CancelledError)
            assert second is None
            assert await journal(store, "/a") == ["a", "b"] == live.items


async def test_a_save_cancelled_in_the_store_and_not_stored_refuses_the_next(
    make: MakeStore,
) -> None:
    async with asyncio.timeout(20):
        store = make()
        async with ActorSystem("z", store=store, metrics=False) as system:
            _ref, live = await spawned(system, Register)
            first, second = await outcomes(
                cancelled_at_once(lambda: live.save(["a"])), live.save(["a", "b"])
            )
            assert isinstance(first, asyncio.CancelledError)
            state = await store.load_state("/a")
            if isinstance(store, MemoryStore):
                assert second is None
                assert state is not None and state.revision == 2
            else:
                assert state is None
                assert isinstance(second, PersistenceError)
                assert "the save of this actor called before it was cancelled" in str(second)
            expected = None if state is None else ["a", "b"]
            assert live.state == expected
        async with ActorSystem("z", store=make(), metrics=False) as system:
            assert await (await system.spawn(Register, name="a")).ask("show") == expected


async def test_a_write_cancelled_while_waiting_its_turn_refuses_the_writes_after_it() -> None:
    """The one in flight before it commits; the one called after it does not, as in a
    handler that awaits each, whose later writes do not run once one was cancelled."""
    store = Turnstile()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            _ref, live = await spawned(system, Ledger)
            writes = [asyncio.ensure_future(live.persist(n)) for n in ("x", "y", "z")]
            await store.called_for(1)
            writes[1].cancel()
            store.passes[0].set()
            await writes[0]
            with pytest.raises(asyncio.CancelledError):
                await writes[1]
            await refused_or_written(store, writes[2])
            with pytest.raises(PersistenceError, match="called before it was cancelled"):
                await writes[2]
            assert live.items == ["x"]
        assert await recovered(store, Ledger, "a") == ["x"]


async def test_a_write_cancelled_as_the_one_before_it_ends_refuses_the_writes_after_it() -> None:
    """Cancelled as the one before it commits, in that write's loop turn: that write's end
    finds it cancelled (its task has not run yet) and must not hand the turn over it."""
    store = Turnstile()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            _ref, live = await spawned(system, Ledger)
            writes = [asyncio.ensure_future(live.persist(n)) for n in ("x", "y", "z")]
            await store.called_for(1)

            def cancel_the_second(_writes: int, _seconds: float) -> None:
                writes[1].cancel()

            store.on_commit = cancel_the_second
            store.passes[0].set()
            await writes[0]
            await refused_or_written(store, writes[2])
            with pytest.raises(asyncio.CancelledError):
                await writes[1]
            with pytest.raises(PersistenceError, match="called before it was cancelled"):
                await writes[2]
        assert await recovered(store, Ledger, "a") == ["x"]


class UnreadableAfterCancel(Turnstile):
    """Once `unreadable` is set, reads of the journal and the state fail: a cancelled write's
    read-back cannot tell whether it was stored."""

    unreadable = False

    async def _read(self, persistence_id: str, from_seq: int) -> AsyncIterator[StoredEvent]:
        if self.unreadable:
            raise PersistenceError("the store could not be read")
        async for stored in super()._read(persistence_id, from_seq):
            yield stored

    async def load_state(self, persistence_id: str) -> StoredState | None:
        if self.unreadable:
            raise PersistenceError("the store could not be read")
        return await super().load_state(persistence_id)


def write(live: Ledger | Register, value: str) -> Awaitable[None]:
    """A persist of `value`, or a save of the list of it."""
    return live.persist(value) if isinstance(live, Ledger) else live.save([value])


async def stored_first(store: MemoryStore, cls: type) -> None:
    """The first write of `/a` in the store, as a commit of `x` that landed would leave it."""
    if cls is Ledger:
        await MemoryStore.append(store, "/a", 0, [encode("x")])
    else:
        await MemoryStore.save_state(store, "/a", 0, encode(["x"]))


@pytest.mark.parametrize("cls", [Ledger, Register])
@pytest.mark.parametrize("lands", [False, True])
async def test_a_write_cancelled_whose_outcome_is_in_doubt_refuses_the_writes_after_it(
    lands: bool, cls: type[Ledger | Register]
) -> None:
    """Stored or not, the instance cannot tell: the write called after it would commit
    without it, or fail as a conflict with its own instance's write."""
    store = UnreadableAfterCancel()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            _ref, live = await spawned(system, cls)
            writes = [asyncio.ensure_future(write(live, n)) for n in ("x", "y")]
            await store.called_for(1)
            if lands:
                await stored_first(store, cls)  # as its commit did
            store.unreadable = True
            writes[0].cancel()
            with pytest.raises(asyncio.CancelledError):
                await writes[0]
            store.unreadable = False
            await refused_or_written(store, writes[1])
            with pytest.raises(PersistenceError, match="may have been stored") as refused:
                await writes[1]
            assert "nothing was written" in str(refused.value)
            empty: list[str] | None = [] if cls is Ledger else None
            assert (live.items if isinstance(live, Ledger) else live.state) == empty
        assert await recovered(store, cls, "a") == (["x"] if lands else empty)


async def test_a_save_that_fails_refuses_the_saves_called_after_it() -> None:
    """As a persist that fails does (test_durable_concurrent_writes): the state saved after
    one that failed would hold what the caller never saw saved."""
    store = Turnstile()
    store.failing.add(0)
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            _ref, live = await spawned(system, Register)
            saves = [asyncio.ensure_future(live.save([n])) for n in ("x", "y")]
            await store.called_for(1)
            store.passes[0].set()
            with pytest.raises(PersistenceError, match="unreachable"):
                await saves[0]
            await refused_or_written(store, saves[1])
            with pytest.raises(PersistenceError, match="the save of this actor called before"):
                await saves[1]
            assert live.state is None
        assert await recovered(store, Register, "a") is None
