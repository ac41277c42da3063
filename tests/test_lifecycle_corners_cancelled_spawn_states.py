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
