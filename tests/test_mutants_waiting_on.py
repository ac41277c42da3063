"""What a stop asked from a task a handler awaits promises where the tests of the ways a
handler awaits it did not look; each test fails on a one-token change to `waiting_on` or to
how `_stop_waiting` files the tasks waiting on the stop. A done callback of the user's whose
closure holds a cell not filled yet (a name bound later, or deleted) is passed over, not
read (reading it raises `ValueError: Cell is empty`); a handler that moved on from one stop
to a second is found under the second when its target's handler stops it back; and the
tasks filed while a stop runs are let go when it ends."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered, Terminated
from actorkit.testing import ManualClock

from .watch_support import Watcher

BOUND = 5.0


def with_an_empty_cell() -> Callable[[object], None]:
    """A done callback whose closure cell is empty: the name it closes over is deleted."""
    name = object()

    def callback(_: object) -> None:
        nonlocal name  # a free variable, never read: its cell is in the closure, empty

    del name
    return callback


class StopsItselfFromATask(Actor):
    async def receive(self, message: Any) -> Any:
        stopping = asyncio.ensure_future(self.ref.stop())
        stopping.add_done_callback(with_an_empty_cell())
        await stopping
        return "stop asked"


async def test_a_callback_with_an_empty_cell_on_the_stop_task_is_passed_over() -> None:
    ended: asyncio.Queue[Terminated] = asyncio.Queue()
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        watcher = await system.spawn(Watcher, ended)
        actor = await system.spawn(StopsItselfFromATask)
        await watcher.ask(actor)
        queued = asyncio.ensure_future(actor.ask("queued behind the stop", timeout=BOUND))
        assert await actor.ask("stop yourself", timeout=BOUND) == "stop asked"
        assert (await ended.get()).ref == actor
        with pytest.raises(NotDelivered):
            await queued


class Held(Actor):
    """Its handler waits for the event it is told, then stops the actor it is told, if any."""

    async def receive(self, message: Any) -> Any:
        go, target = message
        await go.wait()
        if target is not None:
            await target.stop()
        return "done"


class MovesOn(Actor):
    """Stops `first` from a task it stops waiting for once `moved` is set, then stops
    `second` itself: two stops asked by one handler, the first still under way."""

    async def receive(self, message: Any) -> Any:
        first, second, moved, handed = message
        stopping = asyncio.ensure_future(first.stop())
        handed.set_result(stopping)
        moving = asyncio.ensure_future(moved.wait())
        await asyncio.wait([stopping, moving], return_when=asyncio.FIRST_COMPLETED)
        await second.stop()
        return "both stops asked"


async def test_a_handler_gone_on_to_a_second_stop_is_found_in_that_stops_ring() -> None:
    """Its second stop files the handler under that stop, over the first it no longer waits
    for, and the first's end leaves that filing: so the second actor's handler stopping the
    first handler's actor is a ring, queued, not a stop held until a timeout."""
    ended: asyncio.Queue[Terminated] = asyncio.Queue()
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        watcher = await system.spawn(Watcher, ended)
        b, c, a = [await system.spawn(cls) for cls in (Held, Held, MovesOn)]
        for ref in (a, b, c):
            await watcher.ask(ref)
        release_b, c_go, moved = asyncio.Event(), asyncio.Event(), asyncio.Event()
        handed: asyncio.Future[asyncio.Future[None]] = asyncio.get_running_loop().create_future()
        b_asked = asyncio.ensure_future(b.ask((release_b, None)))
        c_asked = asyncio.ensure_future(c.ask((c_go, a)))
        a_asked = asyncio.ensure_future(a.ask((b, c, moved, handed)))
        first = await handed
        await clock.settle()  # the first stop under way, held by b's handler
        moved.set()
        await clock.settle()  # a's handler awaits its stop of c, held by c's handler
        release_b.set()
        await first
        assert await b_asked == "done"
        c_go.set()
        assert await c_asked == "done"
        assert await a_asked == "both stops asked"
        assert {(await ended.get()).ref for _ in range(3)} == {a, b, c}


class Leaving(Actor):
    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:  # a stop to wait for: not the close of an idle leaf
        await asyncio.sleep(0)


class StopsThrough(Actor):
    """Stops the ref it is told through `wait_for`, and answers a weak ref to the stop."""

    async def receive(self, message: Any) -> Any:
        stopping = asyncio.ensure_future(message.stop())
        await asyncio.wait_for(stopping, BOUND)
        return weakref.ref(stopping)


async def test_a_stop_through_wait_for_lets_go_of_the_tasks_it_filed() -> None:
    """Filed while it runs (to find a ring through them), the tasks waiting on a stop are
    let go as it ends: else each such stop would keep its task for the life of the loop."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        peer = await system.spawn(Leaving)
        asker = await system.spawn(StopsThrough)
        stopped = await asker.ask(peer)
        assert not peer.is_alive
        gc.collect()
        assert stopped() is None
