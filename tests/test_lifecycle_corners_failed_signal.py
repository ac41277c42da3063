"""An actor whose control signal failed (API 9: a `supervisor_strategy` that `__init__` set
to no strategy) runs its `on_stop` after its children stopped, while still RUNNING: a child
spawned there was let through, and outlived it when it then closed (its parent stopping)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from actorkit import Actor, ActorStopped, ActorSystem


class Leaf(Actor):
    async def receive(self, message: Any) -> None:
        raise ValueError(message)


class Late(Actor):
    async def receive(self, message: Any) -> None:
        pass


class BadSupervisor(Actor):
    """Its child's failure makes its `ChildFailed` signal raise; its `on_stop` spawns."""

    def __init__(self, spawned: list[Any], ended: asyncio.Event) -> None:
        self.supervisor_strategy = "no strategy"  # type: ignore[assignment]
        self.spawned, self.ended = spawned, ended

    async def on_start(self) -> None:
        self.leaf = await self.spawn(Leaf, name="leaf")

    async def receive(self, message: Any) -> Any:
        return self.leaf

    async def on_stop(self) -> None:
        try:
            self.spawned.append(await self.spawn(Late, name="late"))
        except ActorStopped as refused:
            self.spawned.append(refused)
        self.ended.set()


class Holds(Actor):
    """Its `on_stop` waits for `release`: its parent stays STOPPING meanwhile."""

    def __init__(self, entered: asyncio.Event, release: asyncio.Event) -> None:
        self.entered, self.release = entered, release

    async def on_stop(self) -> None:
        self.entered.set()
        await self.release.wait()


class Top(Actor):
    def __init__(self, spawned: list[Any], *events: asyncio.Event) -> None:
        self.spawned, self.events = spawned, events

    async def on_start(self) -> None:
        ended, entered, release = self.events
        self.bad = await self.spawn(BadSupervisor, self.spawned, ended, name="bad")
        await self.spawn(Holds, entered, release, name="holds")  # stopped first

    async def receive(self, message: Any) -> Any:
        return self.bad


async def test_an_on_stop_after_a_failed_signal_cannot_spawn_a_child_that_outlives_it() -> None:
    spawned: list[Any] = []
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        ended, entered, release = asyncio.Event(), asyncio.Event(), asyncio.Event()
        top = await system.spawn(Top, spawned, ended, entered, release, name="top")
        leaf = await (await top.ask("bad")).ask("leaf")
        stopping = asyncio.ensure_future(top.stop())
        await entered.wait()  # `top` is stopping: `bad` closes once its signal failed
        with contextlib.suppress(ValueError):
            await leaf.ask("boom")
        await ended.wait()
        release.set()
        await stopping
        assert system.lookup("/top/bad/late") is None
    assert len(spawned) == 1 and isinstance(spawned[0], ActorStopped)
