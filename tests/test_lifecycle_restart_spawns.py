"""No child outlives the instance that started it: a child spawned by a task that instance
left running, while its restart stops its children, stops with them, and the new instance
starts with no child of the old one."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorRef, ActorStopped, ActorSystem
from actorkit.testing import snapshot


class Slow(Actor):
    """Its `on_stop` says it began, and waits to be let go."""

    def __init__(self, stopping: asyncio.Event, release: asyncio.Event) -> None:
        self.stopping = stopping
        self.release = release

    async def on_stop(self) -> None:
        self.stopping.set()
        await self.release.wait()


class Leaf(Actor):
    pass


class Parent(Actor):
    """Starts `Slow`; on "go" leaves a task that spawns a child once `Slow` is stopping;
    fails on "crash"."""

    def __init__(
        self,
        spawned: list[ActorRef | BaseException],
        stopping: asyncio.Event,
        release: asyncio.Event,
    ) -> None:
        self.spawned = spawned
        self.stopping = stopping
        self.release = release
        self.task: asyncio.Task[None] | None = None

    async def on_start(self) -> None:
        await self.spawn(Slow, self.stopping, self.release, name="slow")

    async def late_spawn(self) -> None:
        await self.stopping.wait()
        try:
            self.spawned.append(await self.spawn(Leaf, name="late"))
        except BaseException as error:
            self.spawned.append(error)
        self.release.set()

    async def receive(self, message: Any) -> Any:
        if message == "go":
            self.task = asyncio.get_running_loop().create_task(self.late_spawn())
            return None
        if message == "crash":
            raise RuntimeError("crashed on purpose")
        return message


async def test_a_child_spawned_while_a_restart_stops_the_children_does_not_outlive_it() -> None:
    spawned: list[ActorRef | BaseException] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        events = asyncio.Event(), asyncio.Event()
        parent = await system.spawn(Parent, spawned, *events, name="p")
        await parent.ask("go")
        parent.tell("crash")  # the root restarts it: its restart stops `slow`, then `late`
        assert await parent.ask("sync") == "sync"  # the new instance answers
        assert len(spawned) == 1
        late = spawned[0]
        assert not (isinstance(late, ActorRef) and late.is_alive)
        assert snapshot(parent).children == ("slow",)  # the new instance's own


class Leaver(Actor):
    """On "go" leaves a task that spawns a child when `now` is set; fails on "crash"."""

    def __init__(
        self, now: asyncio.Event, done: asyncio.Event, spawned: list[ActorRef | BaseException]
    ) -> None:
        self.now = now
        self.done = done
        self.spawned = spawned

    async def spawn_later(self) -> None:
        await self.now.wait()
        try:
            self.spawned.append(await self.spawn(Leaf, name="late"))
        except BaseException as error:
            self.spawned.append(error)
        self.done.set()

    async def receive(self, message: Any) -> Any:
        if message == "go":
            self.task = asyncio.get_running_loop().create_task(self.spawn_later())
        elif message == "crash":
            raise RuntimeError("crashed on purpose")
        return message


async def test_an_instance_a_restart_replaced_spawns_no_child_under_its_successor() -> None:
    """Its timers are refused likewise: a child of it would be the new instance's, which
    never asked for it (and a name it takes would refuse the new one's own)."""
    spawned: list[ActorRef | BaseException] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        now, done = asyncio.Event(), asyncio.Event()
        leaver = await system.spawn(Leaver, now, done, spawned, name="p")
        await leaver.ask("go")
        leaver.tell("crash")
        assert await leaver.ask("sync") == "sync"  # restarted: a new instance answers
        now.set()
        await done.wait()
        assert isinstance(spawned[0], ActorStopped), spawned
        assert "replaced by a restart" in str(spawned[0])
        assert snapshot(leaver).children == ()
