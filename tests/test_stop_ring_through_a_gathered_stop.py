"""A handler awaiting a `gather` of stops through a future of its own (`wait_for`, `shield`)
is found waiting on those stops by reading backwards from each stop's task, through the
`gather`'s callback on it: a stopped actor that stops the handler's actor back closes the
ring rather than waiting until the handler's own timeout."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem
from actorkit.testing import ManualClock

BOUND = 5.0
LONGER = 60.0  # the handler's own timeout: a ring left open would hold it past BOUND


class StopsBack(Actor):
    """Waits for its go, then stops the actor it was given."""

    async def receive(self, message: tuple[asyncio.Event, ActorRef]) -> str:
        go, target = message
        await go.wait()
        await target.stop()
        return "stopped it back"


class StopsGathered(Actor):
    async def receive(self, message: tuple[ActorRef, str]) -> str:
        target, way = message
        gathered = asyncio.gather(target.stop())
        if way == "wait_for":
            await asyncio.wait_for(gathered, LONGER)
        else:
            await asyncio.shield(gathered)
        return "gathered"


async def closes_the_ring(way: str) -> None:
    """A ring of two stops, one of them gathered behind `way`, ends with both actors
    stopped, each ask answered, within BOUND (not the handler's LONGER)."""
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        back = await system.spawn(StopsBack)
        stopper = await system.spawn(StopsGathered)
        go = asyncio.Event()
        asks: list[asyncio.Future[Any]] = [
            asyncio.ensure_future(back.ask((go, stopper))),
            asyncio.ensure_future(stopper.ask((back, way))),
        ]
        await clock.settle()  # the stopper's handler awaits the gathered stop
        go.set()
        answers = await asyncio.gather(*asks)
        assert answers == ["stopped it back", "gathered"]
        assert not back.is_alive and not stopper.is_alive


@pytest.mark.parametrize("way", ["wait_for", "shield"])
async def test_a_ring_through_a_gathered_stop_behind_a_future_is_closed(way: str) -> None:
    await closes_the_ring(way)


def gather_elsewhere(*awaitables: Any, return_exceptions: bool = False) -> Any:
    """A `gather` with no `_done_callback` reading an `outer` cell: another Python's (or
    one in C, as `len` stands for: no `__code__` at all)."""
    return awaitables, return_exceptions


@pytest.mark.parametrize("gather", [gather_elsewhere, len], ids=["other-python", "builtin"])
@pytest.mark.parametrize("way", ["wait_for", "shield"])
async def test_where_gather_differs_every_callback_is_read_cell_by_cell(
    way: str, gather: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No callback is taken for `gather`'s then: not the `partial` that `wait_for` and
    `shield` leave on a future, which has no `__code__` and no closure to read."""
    from actorkit import _awaited

    with monkeypatch.context() as patched:
        patched.setattr(asyncio.tasks, "gather", gather)
        done, outer = _awaited._gather_done()  # noqa: SLF001  # read as on that Python
    monkeypatch.setattr(_awaited, "_GATHER_DONE", done)
    monkeypatch.setattr(_awaited, "_GATHER_OUTER", outer)
    await closes_the_ring(way)
