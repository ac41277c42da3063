"""A handler that stops two actors at once (a `TaskGroup`, `asyncio.wait`, `gather`) waits
on both stops; when the handler of either stops the first handler's actor back, that ring
is found and closed, whichever of the two it runs through. A task waits on as many stops as
it has started, so each must know it (a task filed under its first stop only left a ring
through the second waiting until the timeout)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem
from actorkit.testing import ManualClock

BOUND = 5.0


class Held(Actor):
    """Waits for its go, then stops the actor it was given, if any."""

    async def receive(self, message: tuple[asyncio.Event, ActorRef | None]) -> str:
        go, target = message
        await go.wait()
        if target is not None:
            await target.stop()
        return "done"


class StopsTwo(Actor):
    async def receive(self, message: tuple[ActorRef, ActorRef, str]) -> str:
        first, second, way = message
        if way == "task group":
            async with asyncio.TaskGroup() as group:
                group.create_task(first.stop())
                group.create_task(second.stop())
        elif way == "wait":
            stops = [asyncio.ensure_future(first.stop()), asyncio.ensure_future(second.stop())]
            await asyncio.wait(stops)
        else:
            await asyncio.gather(first.stop(), second.stop())
        return "both"


@pytest.mark.parametrize("way", ["task group", "wait", "gather"])
@pytest.mark.parametrize("back", ["first", "second"])
async def test_a_ring_through_either_of_two_stops_at_once_is_closed(way: str, back: str) -> None:
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        first, second = await system.spawn(Held), await system.spawn(Held)
        stopper = await system.spawn(StopsTwo)
        gates = asyncio.Event(), asyncio.Event()
        asks: list[asyncio.Future[Any]] = [
            asyncio.ensure_future(first.ask((gates[0], stopper if back == "first" else None))),
            asyncio.ensure_future(second.ask((gates[1], stopper if back == "second" else None))),
            asyncio.ensure_future(stopper.ask((first, second, way))),
        ]
        await clock.settle()  # the stopper's handler awaits both stops
        for gate in gates:
            gate.set()
        answers = await asyncio.gather(*asks)
        assert answers == ["done", "done", "both"]
        assert not any(ref.is_alive for ref in (first, second, stopper))
