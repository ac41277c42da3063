"""`schedule_*` while a shutdown runs (docs/api.md §5 and the drain, README's bad-input table):
taken, not refused, until the system has shut down. A `schedule_once` to an actor that drains
is armed and handled if it comes before the drain ends; a `schedule_every` to it is not armed
(one dead letter `stopping`); one to an actor whose drain has not begun yet is armed, and ends
as that drain begins. Only a shut-down system raises `ActorStopped`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem
from actorkit.testing import ManualClock, accepting, pending_timers

from .shutdown_support import BOUND


class Held(Actor):
    """Holds each message given with a gate until the test lets it go; records them all."""

    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> None:
        if isinstance(message, tuple):
            name, gate = message
            self.seen.append(name)
            await gate.wait()
        else:
            self.seen.append(message)


async def test_schedules_made_while_a_shutdown_runs_are_taken_until_it_ends(
    clock: ManualClock,
) -> None:
    first, second, seen = asyncio.Event(), asyncio.Event(), list[Any]()
    system = ActorSystem(clock=clock, metrics=False)
    await system.start()
    try:
        async with asyncio.timeout(BOUND):
            ref = await system.spawn(Held, seen)
            ref.tell(("first", first))
            ref.tell(("second", second))  # its drain waits for this one too
            await clock.settle()
            stopping = asyncio.ensure_future(system.shutdown(timeout=5.0))
            await clock.settle()  # begun; its drain waits for the message in hand
            assert not accepting(system)
            once = system.schedule_once(1.0, ref, "once")
            every = system.schedule_every(1.0, ref, "every")
            assert (once.active, every.active, pending_timers(system)) == (True, True, 2)
            first.set()  # its drain begins: the periodic timer ends, the one-off stays armed
            await clock.settle()
            assert (once.active, every.active, pending_timers(system)) == (True, False, 1)
            late = system.schedule_every(1.0, ref, "late")
            assert not late.active and system.dead_letters.by_reason == {"stopping": 1}
            again = system.schedule_once(1.0, ref, "again")  # to one that drains: armed
            await clock.advance(1.0)  # both queued behind the message in hand
            assert (once.active, again.active, pending_timers(system)) == (False, False, 0)
            second.set()
            await stopping
        assert seen == ["first", "second", "once", "again"]
        with pytest.raises(ActorStopped, match=r"shut down \(or shutting down, or failed"):
            system.schedule_once(1.0, ref, "after")
    finally:
        await system.shutdown(timeout=0)
