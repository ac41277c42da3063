"""A shutdown still pending when the end of `asyncio.run` (or pytest-asyncio's loop teardown)
cancels every task left: once each, in no set order, then waits for them all."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock

from .invariants import TaskSnapshot
from .shutdown_support import BOUND


class StopsForEver(Actor):
    """Its `on_stop` never returns: only a second cancellation of its task ends it."""

    def __init__(self, entered: asyncio.Event) -> None:
        self.entered = entered

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        self.entered.set()
        await asyncio.Event().wait()


@pytest.mark.parametrize("clock", [None, ManualClock], ids=["system-clock", "manual-clock"])
@pytest.mark.parametrize("order", ["listed", "reversed"])
@pytest.mark.parametrize("turns", [1, 2], ids=["as-it-begins", "once-under-way"])
async def test_a_shutdown_cancelled_with_every_task_still_forces_the_actors_stop(
    turns: int, order: str, clock: type[ManualClock] | None
) -> None:
    """Each actor's task, cancelled, runs its `on_stop`, which waits there for ever unless
    cut short within the forced stop's grace; the cancelled shutdown must still force the stop
    whichever of its own tasks (the orderly stop, the one that forces it) is cancelled
    first, and whether that one had begun or not: both orders of the same tasks, cancelled
    one turn or two into the shutdown, cover each. Otherwise the loop's end waits for ever."""
    system = ActorSystem(clock=None if clock is None else clock())
    tasks = TaskSnapshot()
    await system.start()
    entered = asyncio.Event()
    await system.spawn(StopsForEver, entered, name="slow")
    shutdown = asyncio.ensure_future(system.shutdown(60.0))
    for _ in range(turns):  # one: the shutdown's tasks exist; two: they have begun
        await asyncio.sleep(0)
    left = list(tasks.leaked())
    if order == "reversed":
        left.reverse()
    for task in left:
        task.cancel()
    async with asyncio.timeout(BOUND):
        await asyncio.wait(left)
    assert entered.is_set()
    assert shutdown.cancelled()
