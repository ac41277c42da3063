"""`await ref.stop()` from a task that an actor's handler started and awaits (`gather`, a
`TaskGroup`, `await create_task(...)`, `wait_for`, `shield`, `wait`) acts for that handler:
the stop would wait for the handler, which waits for the task, so it is queued and returns at
once, as one from the handler itself is (API §9). Before, such a stop of the actor itself or
of an actor above it hung the handler until a shutdown forced it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, NotDelivered, Terminated

from .handlers_task_ways import BOUND, WAYS
from .watch_support import Watcher


class StopsIt(Actor):
    """Stops the ref it is told (itself, or its parent) from a task its handler awaits."""

    def __init__(self, way: str) -> None:
        self.way = WAYS[way]

    async def receive(self, message: Any) -> Any:
        target = self.ref if message == "yourself" else self.parent
        assert target is not None
        await self.way(target.stop)
        return "stop asked"


class Parent(Actor):
    def __init__(self, way: str) -> None:
        self.way = way

    async def on_start(self) -> None:
        await self.spawn(StopsIt, self.way, name="child")

    async def receive(self, message: Any) -> Any:
        return self.children[0]


@pytest.mark.parametrize("way", list(WAYS))
async def test_a_handler_stopping_its_actor_from_a_task_it_awaits_is_not_held(way: str) -> None:
    ended: asyncio.Queue[Terminated] = asyncio.Queue()
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        watcher = await system.spawn(Watcher, ended)
        actor = await system.spawn(StopsIt, way)
        await watcher.ask(actor)
        queued = asyncio.ensure_future(actor.ask("queued behind the stop", timeout=BOUND))
        assert await actor.ask("yourself", timeout=BOUND) == "stop asked"
        assert (await ended.get()).ref == actor
        with pytest.raises(NotDelivered):
            await queued


@pytest.mark.parametrize("way", list(WAYS))
async def test_a_child_stopping_its_parent_from_a_task_it_awaits_is_not_held(way: str) -> None:
    ended: asyncio.Queue[Terminated] = asyncio.Queue()
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        watcher = await system.spawn(Watcher, ended)
        parent = await system.spawn(Parent, way)
        child = await parent.ask("child")
        await watcher.ask(parent)
        assert await child.ask("your parent", timeout=BOUND) == "stop asked"
        assert (await ended.get()).ref == parent
        assert not child.is_alive


class StopsThePeer(Actor):
    """Waits until its peer holds its ref too, then stops the peer from a task it awaits."""

    def __init__(self, way: str, ready: asyncio.Barrier) -> None:
        self.way = WAYS[way]
        self.ready = ready

    async def receive(self, message: Any) -> Any:
        assert isinstance(message, ActorRef)
        await self.ready.wait()
        await self.way(message.stop)
        return "stop asked"


@pytest.mark.parametrize("way", list(WAYS))
async def test_two_handlers_stopping_each_other_from_tasks_they_await_both_stop(way: str) -> None:
    ended: asyncio.Queue[Terminated] = asyncio.Queue()
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        watcher = await system.spawn(Watcher, ended)
        ready = asyncio.Barrier(2)
        one, other = [await system.spawn(StopsThePeer, way, ready) for _ in range(2)]
        for ref in (one, other):
            await watcher.ask(ref)
        asks = [one.ask(other, timeout=BOUND), other.ask(one, timeout=BOUND)]
        assert await asyncio.gather(*asks) == ["stop asked"] * 2
        assert {(await ended.get()).ref for _ in range(2)} == {one, other}


class LeavesATask(Actor):
    """Its handler starts a task that stops it later, once told to, and returns at once."""

    def __init__(self, go: asyncio.Event, stopped: asyncio.Queue[bool]) -> None:
        self.go, self.stopped = go, stopped

    async def receive(self, message: Any) -> Any:
        asyncio.get_running_loop().create_task(self.stop_later())
        return "left running"

    async def stop_later(self) -> None:
        await self.go.wait()
        await self.ref.stop()
        self.stopped.put_nowait(self.ref.is_alive)

    async def on_stop(self) -> None:  # a stop to wait for: not the close of an idle leaf
        await asyncio.sleep(0)


async def test_a_task_its_idle_actor_left_running_waits_for_that_stop() -> None:
    """Its actor is parked, awaiting none of its tasks: the stop waits, as any caller's."""
    go, stopped = asyncio.Event(), asyncio.Queue[bool]()
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        actor = await system.spawn(LeavesATask, go, stopped)
        assert await actor.ask("start it") == "left running"
        go.set()
        assert await stopped.get() is False
