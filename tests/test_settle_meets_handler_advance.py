"""A test's `settle()` while a handler advances the clock (an advance made inside a handler
is supported): each side waited for the other to go quiet, since a task in `settle` yields
every loop turn and so looked runnable, and both raised "did not settle" after
`SETTLE_LIMIT` turns, the handler's advance failing it. A task waiting in `settle` is
waiting for the others, not working: the advance goes on, and the test's settle returns once
the advance and what it fired are done."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, Probe

SAFETY = 10.0


class Advances(Actor):
    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock

    async def receive(self, message: Any) -> Any:
        await self.clock.advance(message)
        return self.clock.now()


async def test_a_settle_while_a_handler_advances_returns_once_the_advance_is_done() -> None:
    clock = ManualClock()
    async with asyncio.timeout(SAFETY), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        system.schedule_once(1.0, probe.ref, "tick")
        advancer = await system.spawn(Advances, clock)
        answer = asyncio.create_task(advancer.ask(1.0, timeout=5.0))
        await asyncio.sleep(0)  # the ask is sent, and the handler begins its advance
        await clock.settle()
        assert answer.done()
        assert await answer == 1.0
        assert clock.now() == 1.0
        assert await probe.receive(timeout=1.0) == "tick"


async def test_two_settles_at_once_both_return() -> None:
    clock = ManualClock()
    async with asyncio.timeout(SAFETY), ActorSystem(clock=clock) as system:
        advancer = await system.spawn(Advances, clock)
        other = asyncio.create_task(clock.settle())
        answer = asyncio.create_task(advancer.ask(0.5, timeout=5.0))
        await asyncio.sleep(0)
        await clock.settle()
        await other
        assert await answer == 0.5
