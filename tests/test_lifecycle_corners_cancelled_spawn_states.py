"""A spawn cancelled after `on_start` finished, whatever the actor did in the meantime: it
stopped itself, failed on a message, or spawned a child after the cancellation landed
(API 1, 9). Its name is free when `spawn` raises, no child of it outlives it, and every
`on_stop` whose `on_start` finished runs once, also under an eager task factory."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

from .test_eager_tasks import EAGER_MARKS, eager


class Kid(Actor):
    """No `on_start`, so `spawn` returns at once, its task not begun; an `on_stop`."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        self.log.append(f"on_stop {self.ref.path}")


class CancelsItsSpawn(Actor):
    """`on_start` cancels the task awaiting its `spawn` and then, in the same loop step,
    does what `how` names; `spawn` resumes (cancelled) only after that."""

    def __init__(self, spawning: list[asyncio.Future[Any]], log: list[str], how: str) -> None:
        self.spawning, self.log, self.how = spawning, log, how

    async def on_start(self) -> None:
        if self.how == "kid-after-cancel":
            self.spawning[0].cancel()
            await self.spawn(Kid, self.log, name="kid")
            return
        await self.spawn(Kid, self.log, name="kid")
        if self.how == "stops-itself":
            self.stop()  # permanent: its parent decides, so it waits SUSPENDED
        elif self.how == "fails-on-a-message":
            self.ref.tell("boom")
        self.spawning[0].cancel()

    async def receive(self, message: Any) -> None:
        raise ValueError(message)

    async def on_stop(self) -> None:
        self.log.append(f"on_stop {self.ref.path}")


HOWS = ["kid-after-cancel", "stops-itself", "fails-on-a-message"]


async def cancelled_spawn(system: ActorSystem, log: list[str], how: str) -> None:
    spawning: list[asyncio.Future[Any]] = []
    spawning.append(
        asyncio.ensure_future(system.spawn(CancelsItsSpawn, spawning, log, how, name="x"))
    )
    with pytest.raises(asyncio.CancelledError):
        await spawning[0]


@pytest.mark.parametrize("how", HOWS)
async def test_a_cancelled_spawn_leaves_no_child_and_runs_every_on_stop(how: str) -> None:
    log: list[str] = []
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        await cancelled_spawn(system, log, how)
        assert system.lookup("/x") is None
        assert system.lookup("/x/kid") is None  # not left running under a stopped parent
    assert sorted(log) == ["on_stop /x", "on_stop /x/kid"]


def eager_only(test: Any) -> Any:
    for mark in EAGER_MARKS:
        test = mark(test)
    return test


@pytest.mark.parametrize("how", HOWS)
@eager_only
async def test_a_cancelled_spawn_under_an_eager_factory_runs_every_on_stop(how: str) -> None:
    log: list[str] = []
    async with eager(), asyncio.timeout(10), ActorSystem(metrics=False) as system:
        await cancelled_spawn(system, log, how)
        assert system.lookup("/x") is None and system.lookup("/x/kid") is None
    assert sorted(log) == ["on_stop /x", "on_stop /x/kid"]


class Unwinds(Actor):
    """Its `on_stop` takes a few turns of the loop."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        for _ in range(10):
            await asyncio.sleep(0)
        self.log.append("on_stop ended")


class StartsForEver(Actor):
    def __init__(self, log: list[str], kids: list[Any], entered: asyncio.Event) -> None:
        self.log, self.kids, self.entered = log, kids, entered

    async def on_start(self) -> None:
        self.kids.append(await self.spawn(Unwinds, self.log, name="kid"))
        self.entered.set()
        await asyncio.Event().wait()


async def test_a_shutdown_right_after_a_spawn_cancelled_in_on_start_waits_for_its_children() -> (
    None
):
    """The children `on_start` began are stopped in the actor's task, after its name was
    freed: out of the tree the shutdown stops, which ended before them."""
    log: list[str] = []
    kids: list[Any] = []
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        entered = asyncio.Event()
        spawning = asyncio.ensure_future(system.spawn(StartsForEver, log, kids, entered))
        await entered.wait()
        spawning.cancel()
        with pytest.raises(asyncio.CancelledError):
            await spawning
    assert log == ["on_stop ended"]
    assert not kids[0].is_alive
