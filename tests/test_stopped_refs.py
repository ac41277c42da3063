"""A stopped actor is freed by reference counting, not left to the garbage collector: its cell
lets go of a ref nobody else holds. A ref that someone holds stays the one ref of that actor,
and an actor's own code that asks for `self.ref` after its stop still gets a working one."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Terminated
from actorkit._cell import Cell
from actorkit.testing import ManualClock, snapshot

pytestmark = pytest.mark.timeout(10)


class Once(Actor):
    """Stops itself after its first message."""

    async def receive(self, message: Any) -> None:
        self.stop()


class Late(Actor):
    """Leaves a task behind that uses `self.ref` once the actor has stopped."""

    def __init__(self, gate: asyncio.Event, told: asyncio.Future[None]) -> None:
        self.gate = gate
        self.told = told

    async def receive(self, message: Any) -> None:
        asyncio.get_running_loop().create_task(self.later())
        self.stop()

    async def later(self) -> None:
        await self.gate.wait()
        self.ref.tell("after the stop")
        self.told.set_result(None)


@pytest.fixture
def no_collector() -> Iterator[None]:
    """Only reference counting frees objects while a test runs."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.usefixtures("no_collector")
async def test_a_stopped_actor_whose_ref_nobody_holds_is_freed_without_the_collector() -> None:
    clock = ManualClock()
    async with ActorSystem("refs", clock=clock) as system:
        ref = await system.spawn(Once, restart="temporary")
        gone = weakref.ref(ref)
        ref.tell("stop")
        del ref
        await clock.advance(0)
        # The cell held the ref and the ref the cell: were that cycle left, only the garbage
        # collector (disabled here) could free them, and the weak reference would live on.
        assert gone() is None


async def test_a_ref_held_across_the_stop_stays_the_actors_one_ref() -> None:
    clock = ManualClock()
    async with ActorSystem("refs", clock=clock) as system:
        ref = await system.spawn(Once, restart="temporary")
        ref.tell("stop")  # when it closes, nothing but this test holds the ref
        await clock.advance(0)
        assert not ref.is_alive
        seen: asyncio.Queue[Any] = asyncio.Queue()

        class Watcher(Actor):
            async def on_start(self) -> None:
                self.watch(ref)  # a stopped actor: told at once, with the ref its cell has

            async def receive(self, message: Any) -> None:
                seen.put_nowait(message)

        await system.spawn(Watcher)
        terminated = await asyncio.wait_for(seen.get(), 5)
        assert isinstance(terminated, Terminated)
        assert terminated.ref is ref  # the cell kept the ref this test holds, not a new one
        ref.tell("to a stopped actor")
        await clock.advance(0)
        assert system.dead_letters.by_reason.get("stopped") == 1


@pytest.mark.usefixtures("no_collector")
async def test_an_actors_own_code_after_its_stop_still_gets_a_working_ref() -> None:
    clock = ManualClock()
    gate = asyncio.Event()
    async with ActorSystem("refs", clock=clock) as system:
        told: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        ref = await system.spawn(Late, gate, told, restart="temporary")
        ref.tell("go")
        del ref
        await clock.advance(0)
        gate.set()
        await asyncio.wait_for(told, 5)
        assert system.dead_letters.by_reason.get("stopped") == 1


class Kept(Actor):
    """Hands its instance out, as a task it leaves running would keep it."""

    def __init__(self, kept: list[Actor]) -> None:
        kept.append(self)

    async def receive(self, message: Any) -> None:
        pass


async def test_stop_calls_on_a_stopped_actor_leave_nothing_behind() -> None:
    """Each `self.stop()` a left-over task makes after the stop is dropped, not queued on
    the stopped cell for as long as that task runs."""
    kept: list[Actor] = []
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        ref = await system.spawn(Kept, kept, restart="temporary")
        await ref.stop()
        for _ in range(100):
            kept[0].stop()
        assert snapshot(ref).signals == 0


class Session(Actor):
    """Stops itself when no message came for a second, its idle timer started again by each."""

    async def on_start(self) -> None:
        self.timers.start_once("idle", "idle", 1.0)

    async def receive(self, message: Any) -> str | None:
        if message == "idle":
            self.stop()
            return None
        self.timers.start_once("idle", "idle", 1.0)
        return "hit"


@pytest.mark.usefixtures("no_collector")
async def test_an_actor_that_used_timers_is_freed_without_the_collector() -> None:
    """Its timers point at its cell: kept by a stopped cell, they would be a cycle (on-demand
    sessions stopped when idle left one each for the collector's full passes)."""
    clock = ManualClock()
    async with asyncio.timeout(5), ActorSystem("refs", clock=clock) as system:
        ref = await system.spawn(Session, name="session", restart="transient")
        assert await ref.ask("hit") == "hit"
        gone, path = weakref.ref(ref), ref.path
        del ref
        await clock.advance(1.0)
        assert gone() is None
        assert not [kept for kept in gc.get_objects() if type(kept) is Cell and kept.path == path]
