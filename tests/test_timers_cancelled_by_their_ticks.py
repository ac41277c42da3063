"""A periodic timer cancelled while its own tick is being handled, in the middle of one
`ManualClock.advance` over many periods: the actor's own timer (`self.timers.cancel`) and a
system timer (its handle's `cancel()`) each deliver nothing after that tick, and leave
nothing pending (API 5)."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock


class CancelsOnSecondTick(Actor):
    def __init__(self, log: list[tuple[str, bool | None]]) -> None:
        self.log = log
        self.handle: Any = None

    async def on_start(self) -> None:
        self.timers.start_every("own", "own", 1.0)

    async def receive(self, message: Any) -> Any:
        if not isinstance(message, str):
            self.handle = message  # the system timer's handle, given by the test
            return None
        cancelled: bool | None = None
        if [m for m, _ in self.log].count(message) == 1:  # its second tick
            if message == "own":
                cancelled = self.timers.cancel("own")
                assert not self.timers.is_active("own") and len(self.timers) == 0
            else:
                cancelled = self.handle.cancel()
                assert not self.handle.active
        self.log.append((message, cancelled))
        return None


async def test_periodic_timers_cancelled_from_their_own_ticks_tick_no_more() -> None:
    clock = ManualClock()
    log: list[tuple[str, bool | None]] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(CancelsOnSecondTick, log)
        await ref.ask(system.schedule_every(1.5, ref, "system"))
        await clock.advance(20.5)  # 20 periods of one, 13 of the other, in one call
        assert log == [("own", None), ("system", None), ("own", True), ("system", True)]
        assert clock.pending == 0  # neither timer is still armed on the clock
        assert system.dead_letters.count == 0
