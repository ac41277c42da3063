"""An actor cancelled from outside: `on_stop` only after `on_start`, children first."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem
from actorkit.testing import cancel_task

from .invariants import TaskSnapshot
from .shutdown_support import BOUND


class Noted(Actor):
    """Notes its `on_stop`; holds a message until cancelled, and its `on_start` until `begun`
    is given and not set."""

    def __init__(self, stopped: list[str], entered: asyncio.Event, begun: bool = False) -> None:
        self.stopped = stopped
        self.entered = entered
        self.begun = begun

    async def on_start(self) -> None:
        if self.begun:
            self.entered.set()
            await asyncio.Event().wait()

    async def receive(self, message: Any) -> None:
        self.entered.set()
        await asyncio.Event().wait()

    async def on_stop(self) -> None:
        self.stopped.append(self.path)


async def test_an_actor_cancelled_from_outside_runs_on_stop_only_if_its_on_start_finished() -> None:
    """What the end of `asyncio.run` does to every task left, and what a forced stop does:
    the actor's task is cancelled. Parked or in a handler, a started actor runs `on_stop` (OTP
    calls `terminate`, Akka `postStop`, once `init`/`preStart` ran); one cut off in `on_start`
    gets none."""
    stopped: list[str] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        tasks = TaskSnapshot()
        parked = await system.spawn(Noted, stopped, asyncio.Event(), name="parked")
        busy_entered, start_entered = asyncio.Event(), asyncio.Event()
        busy = await system.spawn(Noted, stopped, busy_entered, name="busy")
        busy.tell("hold")
        starting = asyncio.ensure_future(
            system.spawn(Noted, stopped, start_entered, True, name="starting")
        )
        await busy_entered.wait()
        await start_entered.wait()
        cut_in_on_start = system.lookup("/starting")
        assert cut_in_on_start is not None
        for ref in (parked, busy, cut_in_on_start):
            cancel_task(ref)
        await asyncio.wait(tasks.leaked())
        assert isinstance(starting.exception(), ActorStopped)
    assert sorted(stopped) == ["/busy", "/parked"]


class Supervises(Noted):
    """A `Noted` whose `on_start` spawns a `Noted` child first."""

    async def on_start(self) -> None:
        await self.spawn(Noted, self.stopped, asyncio.Event(), name="child")


@pytest.mark.parametrize("busy", [False, True], ids=["parked", "in-a-handler"])
async def test_an_actor_cancelled_from_outside_stops_its_children_first(busy: bool) -> None:
    """Its children are not left running under a closed parent, out of reach of the
    shutdown's walk of the tree."""
    stopped: list[str] = []
    entered = asyncio.Event()
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        tasks = TaskSnapshot()
        parent = await system.spawn(Supervises, stopped, entered, name="parent")
        child = system.lookup("/parent/child")
        assert child is not None
        if busy:
            parent.tell("hold")
            await entered.wait()
        cancel_task(parent)
        await asyncio.wait(tasks.leaked())
        assert not child.is_alive and not parent.is_alive
        assert stopped == ["/parent/child", "/parent"]
        assert system.actor_count == 0
