"""A shutdown still pending when the end of `asyncio.run` (or pytest-asyncio's loop teardown)
cancels every task left: once each, in no set order, then waits for them all."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.persistence import MemoryStore, SQLiteStore
from actorkit.testing import ManualClock

from .invariants import TaskSnapshot
from .shutdown_support import BOUND, shorten_grace


class StopsForEver(Actor):
    """Its `on_stop` never returns: only a second cancellation of its task ends it."""

    def __init__(self, entered: asyncio.Event) -> None:
        self.entered = entered

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        self.entered.set()
        await asyncio.Event().wait()


def cancel_every_task(tasks: TaskSnapshot, order: str) -> list[asyncio.Task[Any]]:
    """What the end of `asyncio.run` does to the tasks made since `tasks` was taken: cancel
    each, in the order listed or reversed; returns them, to be waited for."""
    left = list(tasks.leaked())
    if order == "reversed":
        left.reverse()
    for task in left:
        task.cancel()
    return left


@pytest.mark.parametrize("clock", [None, ManualClock], ids=["system-clock", "manual-clock"])
@pytest.mark.parametrize("order", ["listed", "reversed"])
@pytest.mark.parametrize("turns", [1, 2], ids=["as-it-begins", "once-under-way"])
async def test_a_shutdown_cancelled_with_every_task_still_forces_the_actors_stop(
    turns: int, order: str, clock: type[ManualClock] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each actor's task, cancelled, runs its `on_stop`, which waits there for ever unless
    cut short within the forced stop's grace; the cancelled shutdown must still force the stop
    whichever of its own tasks (the orderly stop, the one that forces it) is cancelled
    first, and whether that one had begun or not: both orders of the same tasks, cancelled
    one turn or two into the shutdown, cover each. Otherwise the loop's end waits for ever."""
    shorten_grace(monkeypatch)
    system = ActorSystem(clock=None if clock is None else clock())
    tasks = TaskSnapshot()
    await system.start()
    entered = asyncio.Event()
    await system.spawn(StopsForEver, entered, name="slow")
    shutdown = asyncio.ensure_future(system.shutdown(60.0))
    for _ in range(turns):  # one: the shutdown's tasks exist; two: they have begun
        await asyncio.sleep(0)
    left = cancel_every_task(tasks, order)
    async with asyncio.timeout(BOUND):
        await asyncio.wait(left)
    assert entered.is_set()
    assert shutdown.cancelled()


async def refused(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except ConnectionRefusedError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


@pytest.mark.parametrize("order", ["listed", "reversed"])
@pytest.mark.parametrize("turns", [1, 2], ids=["as-it-begins", "once-under-way"])
async def test_a_shutdown_cancelled_with_every_task_still_closes_what_the_actors_used(
    turns: int, order: str, tmp_path: Path
) -> None:
    """The closing after the actors' stop runs in a task of its own, which the end of
    `asyncio.run` may cancel before its first step, as it ends every task it waits for: the
    store's threads (not daemons: the process would never exit), the watchdog's and the
    listening port must still be closed once the tasks it cancelled have ended."""
    store = SQLiteStore(tmp_path / "store.db")
    system = ActorSystem(store=store)
    tasks = TaskSnapshot()
    threads = set(threading.enumerate())
    await system.start()
    server = await system.serve_http(port=0)
    shutdown = asyncio.ensure_future(system.shutdown(60.0))
    for _ in range(turns):  # one: the closing task exists; two: it has begun
        await asyncio.sleep(0)
    left = cancel_every_task(tasks, order)
    async with asyncio.timeout(BOUND):
        try:
            await asyncio.wait(left)
            assert await refused(server.port)
            executor = ("asyncio_", "uvloop_")  # the loop's own workers outlive the test
            started = set(threading.enumerate()) - threads
            for thread in [t for t in started if not t.name.startswith(executor)]:
                await asyncio.to_thread(thread.join, BOUND)
                assert not thread.is_alive(), f"{thread.name} outlived the shutdown"
            assert shutdown.cancelled()
            assert not tasks.leaked()
        finally:  # else a failure here leaves the process running
            await asyncio.gather(server.close(), store.close())


class RecordsClose(MemoryStore):
    """Notes whether an actor's `on_stop` was still under way when the store closed."""

    def __init__(self, stopping: set[str]) -> None:
        super().__init__()
        self.stopping = stopping
        self.closed_under: set[str] | None = None

    async def close(self) -> None:
        self.closed_under = set(self.stopping)
        await super().close()


class NotesItsOnStop(Actor):
    """Its path is in `stopping` while its `on_stop` runs (`hold`)."""

    def __init__(self, stopping: set[str]) -> None:
        self.stopping = stopping

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        self.stopping.add(self.path)
        try:
            await self.hold()
        finally:
            self.stopping.discard(self.path)

    async def hold(self) -> None:
        raise NotImplementedError


class UsesTheStoreToTheEnd(NotesItsOnStop):
    """Its `on_stop` takes a thread's round trip, as a store's write does."""

    async def hold(self) -> None:
        await asyncio.to_thread(lambda: None)


@pytest.mark.parametrize("order", ["listed", "reversed"])
async def test_a_shutdown_cancelled_with_every_task_as_it_begins_closes_the_store_last(
    order: str,
) -> None:
    """The actors' stop cancelled before its first step still forces it with the grace it
    gives `on_stop`, and the store closes after: not under an `on_stop` still using it."""
    stopping: set[str] = set()
    store = RecordsClose(stopping)
    system = ActorSystem(store=store)
    tasks = TaskSnapshot()
    await system.start()
    for name in ("a", "b"):
        await system.spawn(UsesTheStoreToTheEnd, stopping, name=name)
    shutdown = asyncio.ensure_future(system.shutdown(60.0))
    await asyncio.sleep(0)  # the shutdown's tasks exist, none has begun
    left = cancel_every_task(tasks, order)
    async with asyncio.timeout(BOUND):
        await asyncio.wait(left)
    assert store.closed_under == set()
    assert not stopping
    assert shutdown.cancelled()


class StopsAtTheGate(NotesItsOnStop):
    """Its `on_stop` waits for ever: only the grace cuts it short."""

    async def hold(self) -> None:
        await asyncio.Event().wait()


async def test_a_shutdown_waits_for_the_on_stop_of_actors_whose_tasks_were_cancelled(
    clock: ManualClock,
) -> None:
    """An actor's task cancelled from outside (the end of `asyncio.run`, reaching it before
    the shutdown's own tasks) closes the actor, then runs its `on_stop` within the grace: the
    shutdown must wait for that too (here until the grace cuts it short) before it closes
    the store. The real grace, 1 s: `BOUND` then fails an `on_stop` cut short at several
    times the grace, which seconds of slack would hide behind a short one."""
    stopping: set[str] = set()
    store = RecordsClose(stopping)
    async with asyncio.timeout(BOUND):
        system = ActorSystem(store=store, clock=clock)
        await system.start()
        refs = [await system.spawn(StopsAtTheGate, stopping, name=n) for n in "ab"]
        await clock.settle()  # their tasks have begun: parked
        for ref in refs:
            task = ref._cell.task
            assert task is not None
            task.cancel()
        await clock.settle()
        assert stopping == {"/a", "/b"}
        await system.shutdown(60.0)
    assert store.closed_under == set()
