"""A spawn cancelled during `on_start` leaves no child of it running (API 1, 9)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

from .actors_support import HoldsTheCleanup


class Parent(Actor):
    """`on_start` spawns two children, then fails or waits for a cancellation it swallows."""

    def __init__(self, children: list[Any], entered: asyncio.Event, fail: bool) -> None:
        self.children_made, self.entered, self.fail = children, entered, fail

    async def on_start(self) -> None:
        for name in ("a", "b"):
            self.children_made.append(await self.spawn(Slow, name=name))
        self.entered.set()
        if self.fail:
            raise ValueError("on_start failed")
        with contextlib.suppress(asyncio.CancelledError):  # the runtime must still stop
            await asyncio.Event().wait()  # what this began


class Slow(Actor):
    """Its stop takes a turn of the loop, so a cleanup can be caught half-way."""

    async def on_stop(self) -> None:
        await asyncio.sleep(0)


class Kid(Actor):
    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        pass


class YieldsOnce(Actor):
    """`on_start` spawns a child, then ends a loop turn later."""

    def __init__(self, children: list[Any]) -> None:
        self.children_made = children

    async def on_start(self) -> None:
        self.children_made.append(await self.spawn(Kid))
        await asyncio.sleep(0)


async def test_a_spawn_cancelled_at_any_turn_of_on_start_leaves_no_child_running() -> None:
    children: list[Any] = []
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        for turns in range(6):  # each turn a cancellation can land in, up to after the end
            spawning = asyncio.ensure_future(system.spawn(YieldsOnce, children))
            for _ in range(turns):
                await asyncio.sleep(0)
            spawning.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await spawning
    assert children and not any(child.is_alive for child in children)


@pytest.mark.parametrize("fail", [True, False], ids=["on_start-failed", "cancel-swallowed"])
async def test_a_cancelled_spawn_leaves_no_child_of_on_start_running(fail: bool) -> None:
    children: list[Any] = []
    entered = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        spawning = asyncio.ensure_future(system.spawn(Parent, children, entered, fail))
        await entered.wait()
        spawning.cancel()  # while the failure's cleanup, or `on_start` itself, runs
        with pytest.raises(asyncio.CancelledError):
            await spawning
    assert len(children) == 2
    assert not any(child.is_alive for child in children)


class CancelsItsSpawn(Actor):
    """`on_start` cancels the task awaiting its `spawn`, then finishes: the cancellation lands
    after `on_start` ended, before `spawn` resumed. Its `on_stop` waits for `release`."""

    def __init__(self, spawning: list[asyncio.Future[Any]], release: asyncio.Event) -> None:
        self.spawning, self.release = spawning, release
        self.child: Any = None

    async def on_start(self) -> None:
        self.child = await self.spawn(Kid, name="kid")
        self.spawning[0].cancel()

    async def on_stop(self) -> None:
        await self.release.wait()


async def test_a_spawn_cancelled_after_on_start_ended_frees_the_name_at_once() -> None:
    """API.md §9: the name is free when `spawn` raises, though `on_stop` takes its time."""
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        release = asyncio.Event()
        spawning: list[asyncio.Future[Any]] = []
        made = system.spawn(CancelsItsSpawn, spawning, release, name="x")
        spawning.append(asyncio.ensure_future(made))
        try:
            with pytest.raises(asyncio.CancelledError):
                await spawning[0]
            assert system.lookup("/x") is None and system.lookup("/x/kid") is None
            again = await system.spawn(Kid, name="x")
            assert system.lookup("/x") == again
        finally:
            release.set()  # the first one's `on_stop`, which the shutdown waits for
    assert not again.is_alive


class FailsAfterSpawningOne(Actor):
    def __init__(self, stopping: asyncio.Event, release: asyncio.Event, done: list[str]) -> None:
        self.hooks = stopping, release, done

    async def on_start(self) -> None:
        await self.spawn(HoldsTheCleanup, *self.hooks, name="kid")
        raise ValueError("on_start failed")


async def test_a_spawn_cancelled_while_its_failed_on_start_is_cleaned_up_frees_the_name() -> None:
    """API.md §9: a cancelled spawn frees its name when it raises, also when `on_start` was
    already failing and its task still stops the children `on_start` began."""
    stopping, release, done = asyncio.Event(), asyncio.Event(), list[str]()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        made = system.spawn(FailsAfterSpawningOne, stopping, release, done, name="x")
        spawning = asyncio.ensure_future(made)
        await stopping.wait()  # `on_start` failed; the kid's `on_stop` holds the cleanup
        spawning.cancel()
        try:
            with pytest.raises(asyncio.CancelledError):
                await spawning
            assert system.lookup("/x") is None
            again = await system.spawn(Kid, name="x")
            assert system.lookup("/x") == again
        finally:
            release.set()  # the shutdown waits for the cleanup of the first one
    assert done == ["/x/kid"]
    assert not again.is_alive


class SpawnsAndCancels(Actor):
    """Spawns `FailsAfterSpawningOne` under itself and cancels that spawn once `on_start`
    failed: its kid is then stopped out of the tree, by the failed actor's task."""

    async def receive(self, message: Any) -> Any:
        stopping = message[0]
        spawning = asyncio.ensure_future(self.spawn(FailsAfterSpawningOne, *message, name="x"))
        await stopping.wait()
        spawning.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await spawning
        return self.children


async def test_a_parent_stops_after_the_kids_of_a_child_whose_spawn_was_cancelled() -> None:
    """Children before parents (API.md §9): the kid a cancelled spawn's task is stopping is
    below the parent still, though out of its `children`, and ends before the parent does."""
    stopping, release, done = asyncio.Event(), asyncio.Event(), list[str]()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        parent = await system.spawn(SpawnsAndCancels, name="p")
        assert await parent.ask((stopping, release, done)) == []
        stop = asyncio.ensure_future(parent.stop())
        stop.add_done_callback(lambda _: done.append("/p"))
        for _ in range(20):  # turns enough for a stop that does not wait for the kid to end
            await asyncio.sleep(0)
        release.set()
        await stop
    assert done == ["/p/x/kid", "/p"]


class StopsItsGrandparent(Actor):
    """Its `on_stop` stops `/p`, the parent of the actor whose cancelled spawn stops it."""

    def __init__(self, stopping: asyncio.Event, release: asyncio.Event, done: list[str]) -> None:
        self.stopping, self.release, self.done = stopping, release, done

    async def on_stop(self) -> None:
        self.stopping.set()
        await self.release.wait()  # set once `/p`'s stop is under way
        grandparent = self.system.lookup("/p")
        assert grandparent is not None
        await grandparent.stop()  # from below it: queued, not waited for
        self.done.append(self.path)


class FailsAfterSpawningItsStopper(FailsAfterSpawningOne):
    async def on_start(self) -> None:
        await self.spawn(StopsItsGrandparent, *self.hooks, name="kid")
        raise ValueError("on_start failed")


class SpawnsTheStopper(SpawnsAndCancels):
    async def receive(self, message: Any) -> Any:
        stopping = message[0]
        made = self.spawn(FailsAfterSpawningItsStopper, *message, name="x")
        spawning = asyncio.ensure_future(made)
        await stopping.wait()
        spawning.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await spawning
        return "cancelled"


async def test_a_stop_from_below_a_cancelled_spawn_is_not_waited_for_by_itself() -> None:
    """The kid of a cancelled spawn is below `/p`: its `on_stop` stopping `/p` must not wait
    for `/p`'s stop, which waits for it (a stop from inside the subtree is queued)."""
    stopping, release, done = asyncio.Event(), asyncio.Event(), list[str]()
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        parent = await system.spawn(SpawnsTheStopper, name="p")
        assert await parent.ask((stopping, release, done)) == "cancelled"
        stop = asyncio.ensure_future(parent.stop())
        for _ in range(20):  # turns enough for `/p`'s stop to reach the kid
            await asyncio.sleep(0)
        release.set()
        await stop
    assert done == ["/p/x/kid"]


class NeverDone(HoldsTheCleanup):
    """Its `on_stop` ends only when cancelled."""

    async def on_stop(self) -> None:
        self.stopping.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.done.append(self.path)


class FailsAfterSpawningNeverDone(FailsAfterSpawningOne):
    async def on_start(self) -> None:
        await self.spawn(NeverDone, *self.hooks, name="kid")
        raise ValueError("on_start failed")


class SpawnsNeverDone(SpawnsAndCancels):
    """Answers with the kid, found while in the tree: once the spawn is cancelled, no path
    finds it."""

    async def receive(self, message: Any) -> Any:
        made = self.spawn(FailsAfterSpawningNeverDone, *message, name="x")
        spawning = asyncio.ensure_future(made)
        await message[0].wait()
        kid = self.system.lookup(f"{self.path}/x/kid")
        spawning.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await spawning
        return kid


async def test_a_parent_stop_forced_past_its_timeout_reaches_a_cancelled_spawns_kids() -> None:
    stopping, done = asyncio.Event(), list[str]()
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        parent = await system.spawn(SpawnsNeverDone, name="p")
        kid = await parent.ask((stopping, asyncio.Event(), done))
        assert kid is not None and kid.is_alive
        assert system.lookup("/p/x/kid") is None
        await parent.stop(timeout=0.1)
        assert not kid.is_alive
        assert done == ["/p/x/kid"]
