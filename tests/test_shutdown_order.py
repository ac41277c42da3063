"""Shutdown drains mailboxes, parents around children, runs each `on_stop` once (API 9)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem

from .shutdown_support import BOUND


class Collector(Actor):
    def __init__(self, sink: list[Any]) -> None:
        self.sink = sink

    async def receive(self, message: Any) -> None:
        await asyncio.sleep(0)
        self.sink.append(message)


async def test_shutdown_drains_mailboxes_first() -> None:
    sink: list[Any] = []
    async with ActorSystem() as system:
        ref = await system.spawn(Collector, sink)
        for i in range(100):
            ref.tell(i)
    assert sink == list(range(100))
    assert system.dead_letters.count == 0


class Dispatcher(Actor):
    """Forwards work to its child; the child reports each piece back to it."""

    def __init__(self, done: list[Any]) -> None:
        self.done = done

    async def on_start(self) -> None:
        self.worker = await self.spawn(Worker, self.ref)

    async def receive(self, message: Any) -> None:
        if isinstance(message, tuple):
            self.done.append(message[1])  # a report from the worker
        else:
            self.worker.tell(message)


class Worker(Actor):
    def __init__(self, boss: Any) -> None:
        self.boss = boss

    async def receive(self, message: Any) -> None:
        await asyncio.sleep(0)
        self.boss.tell(("done", message))


class Feeder(Actor):
    """Started after the dispatcher, so stopped before it: its `on_stop` queues more work
    than one batch at the dispatcher, which then gets its stop with work still queued."""

    def __init__(self, boss: Any) -> None:
        self.boss = boss

    async def on_stop(self) -> None:
        for i in range(300):
            self.boss.tell(i)


async def test_shutdown_drains_a_parent_before_its_children_and_after_them_again() -> None:
    """A parent's queued work forwarded to its children at shutdown is handled, not
    dead-lettered, and what the children send back while they drain reaches the parent."""
    done: list[Any] = []
    async with asyncio.timeout(BOUND):
        async with ActorSystem() as system:
            boss = await system.spawn(Dispatcher, done)
            await system.spawn(Feeder, boss)
    assert system.dead_letters.count == 0
    assert sorted(done) == list(range(300))


async def test_shutdown_twice_is_harmless_and_spawning_after_fails_clearly() -> None:
    system = await ActorSystem().start()
    await system.spawn(Collector, [])
    await system.shutdown()
    await system.shutdown()
    with pytest.raises(ActorStopped, match="shut down"):
        await system.spawn(Collector, [])


async def test_on_stop_runs_once_for_every_actor_at_shutdown() -> None:
    stopped: list[str] = []

    class Tracked(Actor):
        async def on_start(self) -> None:
            if self.parent is None:
                await self.spawn(Tracked, name="child")

        async def on_stop(self) -> None:
            stopped.append(self.path)

    async with ActorSystem() as system:
        await system.spawn(Tracked, name="a")
        await system.spawn(Tracked, name="b")
    assert stopped == ["/b/child", "/b", "/a/child", "/a"]
