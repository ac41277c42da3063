"""The kids of nested cancelled spawns end before the parent's stop does (API.md §9)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem, Terminated
from actorkit.testing import snapshots

from .actors_support import HoldsTheCleanup


class FailsAfterSpawning(Actor):
    """`on_start` spawns a `HoldsTheCleanup`, then fails."""

    def __init__(self, stopping: asyncio.Event, release: asyncio.Event, done: list[str]) -> None:
        self.hooks = stopping, release, done

    async def on_start(self) -> None:
        await self.spawn(HoldsTheCleanup, *self.hooks, name="g")
        raise ValueError("on_start failed")


async def cancel_once_held(spawning: asyncio.Future[Any], stopping: asyncio.Event) -> None:
    await stopping.wait()
    spawning.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await spawning


class FailsAfterACancelledSpawn(Actor):
    """`on_start` cancels the spawn of a `FailsAfterSpawning` once its kid holds its cleanup,
    then fails: its own cleanup has a cancelled spawn's kid below it, out of its children."""

    def __init__(self, stopping: asyncio.Event, release: asyncio.Event, done: list[str]) -> None:
        self.hooks = stopping, release, done

    async def on_start(self) -> None:
        spawning = asyncio.ensure_future(self.spawn(FailsAfterSpawning, *self.hooks, name="k"))
        await cancel_once_held(spawning, self.hooks[0])
        raise ValueError("on_start failed")


class SpawnsNested(Actor):
    async def receive(self, message: Any) -> Any:
        spawning = asyncio.ensure_future(self.spawn(FailsAfterACancelledSpawn, *message, name="c"))
        await asyncio.sleep(0)
        for _ in range(10):  # the cancelled spawn of /p/c/k and then /p/c's failure
            await asyncio.sleep(0)
        spawning.cancel()
        with contextlib.suppress(asyncio.CancelledError, ValueError):
            await spawning
        return self.children


async def test_a_parent_stops_after_the_kids_of_nested_cancelled_spawns() -> None:
    stopping, release, done = asyncio.Event(), asyncio.Event(), list[str]()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        parent = await system.spawn(SpawnsNested, name="p")
        assert await parent.ask((stopping, release, done)) == []
        assert stopping.is_set()
        stop = asyncio.ensure_future(parent.stop())
        stop.add_done_callback(lambda _: done.append("/p"))
        for _ in range(20):  # turns enough for a stop that does not wait for the kid to end
            await asyncio.sleep(0)
        release.set()
        await stop
    assert done == ["/p/c/k/g", "/p"]


class Idle(Actor):
    async def receive(self, message: Any) -> None:
        pass


class SpawnsIdle(Actor):
    async def receive(self, count: int) -> None:
        for _ in range(count):
            await self.spawn(Idle)


async def _turns_to_stop(system: ActorSystem) -> int:
    """Loop turns the stop of an idle parent of idle children takes."""
    parent = await system.spawn(SpawnsIdle)
    await parent.ask(50)
    stop = asyncio.ensure_future(parent.stop())
    turns = 0
    while not stop.done():
        await asyncio.sleep(0)
        turns += 1
    return turns


async def test_a_cancelled_spawn_cleaning_up_elsewhere_leaves_other_stops_as_fast() -> None:
    """Only the stop of the cancelled spawn's parent looks for its kids: the idle leaves of
    any other actor are still closed at once, not each stopped by a coroutine of its own."""
    stopping, release, done = asyncio.Event(), asyncio.Event(), list[str]()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        alone = await _turns_to_stop(system)
        spawning = asyncio.ensure_future(
            system.spawn(FailsAfterSpawning, stopping, release, done, name="x")
        )
        await cancel_once_held(spawning, stopping)
        try:
            assert await _turns_to_stop(system) == alone
        finally:
            release.set()
    assert done == ["/x/g"]


def running(system: ActorSystem) -> list[str]:
    """The paths of the actors not stopped yet, out of the tree too (no path finds those)."""
    return [actor.path for actor in snapshots(system)]


async def test_a_forced_stop_reaches_the_kids_of_nested_cancelled_spawns() -> None:
    """Past its timeout, a parent's stop cancels what is below it, nested cancelled spawns'
    kids included: none is left running its `on_stop` once the stop returned."""
    stopping, never, done = asyncio.Event(), asyncio.Event(), list[str]()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        parent = await system.spawn(SpawnsNested, name="p")
        assert await parent.ask((stopping, never, done)) == []
        assert system.lookup("/p/c/k/g") is None
        assert "/p/c/k/g" in running(system)
        await parent.stop(timeout=0.05)
        assert "/p/c/k/g" not in running(system)
    assert done == []


class StopsItself(SpawnsNested):
    """`SpawnsNested`, which stops itself when told "stop" (no `on_stop`, no children of its
    own: the stop that closes at once, were it not for the cancelled spawns below it)."""

    async def receive(self, message: Any) -> Any:
        if message == "stop":
            self.stop()
            return None
        return await super().receive(message)


class Records(Actor):
    """Watches the ref it is told; records the path of each `Terminated` and sets `ended`."""

    def __init__(self, done: list[str], ended: asyncio.Event) -> None:
        self.done, self.ended = done, ended

    async def receive(self, message: Any) -> None:
        if isinstance(message, ActorRef):
            self.watch(message)
        elif isinstance(message, Terminated):
            self.done.append(message.ref.path)
            self.ended.set()


async def test_a_parent_that_stops_itself_ends_after_the_kids_of_nested_cancelled_spawns() -> None:
    stopping, release, done, ended = asyncio.Event(), asyncio.Event(), list[str](), asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        parent = await system.spawn(StopsItself, name="p", restart="temporary")
        await (await system.spawn(Records, done, ended)).ask(parent)
        assert await parent.ask((stopping, release, done)) == []
        assert stopping.is_set()
        parent.tell("stop")
        for _ in range(20):  # turns enough for a stop that does not wait for the kid to end
            await asyncio.sleep(0)
        release.set()
        await ended.wait()
    assert done == ["/p/c/k/g", "/p"]
