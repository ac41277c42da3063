"""Leaving `async with ActorSystem` when a native cancellation (an `asyncio.TaskGroup` whose
sibling failed, an `asyncio.timeout`, Ctrl-C under `asyncio.run`) lands while the exit's
shutdown still drains: the exit forces what is left to stop, waits for that within the
forced stop's grace, and only then lets the cancellation go on, as a `TaskGroup` cancels its
children and waits for them. Before, the exit stopped waiting at once and the block was left
with its actors still running: after the `TaskGroup` or the `asyncio.timeout` the program
went on beside a system that was not down."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem
from actorkit.testing import FORCED_STOP_GRACE


class Stuck(Actor):
    """Its handler waits for an event nobody sets, so a draining shutdown waits for it."""

    def __init__(self, begun: asyncio.Event, stopped: list[str]) -> None:
        self.begun = begun
        self.stopped = stopped

    async def receive(self, message: Any) -> Any:
        self.begun.set()
        await asyncio.Event().wait()

    async def on_stop(self) -> None:
        self.stopped.append(self.name)


def left_behind() -> list[asyncio.Task[Any]]:
    return [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]


async def body(
    leaving: asyncio.Event, stopped: list[str], refs: list[ActorRef], system: ActorSystem
) -> None:
    async with system:
        begun = asyncio.Event()
        ref = await system.spawn(Stuck, begun, stopped, name="stuck")
        refs.append(ref)
        ref.tell("held")
        ref.tell("queued")
        await begun.wait()
        leaving.set()  # the exit's shutdown begins in this same step, and waits


async def failing_once(leaving: asyncio.Event, turns: int) -> None:
    await leaving.wait()
    for _ in range(turns):
        await asyncio.sleep(0)
    raise ValueError("a sibling failed")


@pytest.mark.parametrize("turns", [0, 1, 3])
async def test_a_task_group_whose_sibling_fails_during_the_exit_leaves_no_actor_running(
    turns: int,
) -> None:
    async with asyncio.timeout(10):
        stopped: list[str] = []
        refs: list[ActorRef] = []
        leaving = asyncio.Event()
        system = ActorSystem("app")
        began = time.monotonic()
        with pytest.raises(ExceptionGroup) as raised:
            async with asyncio.TaskGroup() as group:
                group.create_task(body(leaving, stopped, refs, system))
                group.create_task(failing_once(leaving, turns))
        assert raised.group_contains(ValueError)
        assert stopped == ["stuck"] and not refs[0].is_alive
        assert system.dead_letters.by_reason == {"shutdown": 2}
        assert left_behind() == []
        assert time.monotonic() - began < FORCED_STOP_GRACE + 2.0


async def test_an_asyncio_timeout_around_the_exit_stops_the_actors_before_it_raises() -> None:
    async with asyncio.timeout(10):
        stopped: list[str] = []
        begun = asyncio.Event()
        began = time.monotonic()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2), ActorSystem("app") as system:
                ref = await system.spawn(Stuck, begun, stopped, name="stuck")
                ref.tell("held")
                await begun.wait()
        assert stopped == ["stuck"] and not ref.is_alive
        assert left_behind() == []
        assert time.monotonic() - began < FORCED_STOP_GRACE + 2.0
