"""A periodic timer costs one loop timer per tick, not a busy wait before each: uvloop reads
its time in whole milliseconds and rounds a delay to the nearest one, so a timer armed for
a time between two milliseconds could run up to half a millisecond before `loop.time()`
reached it, and armed again for that time (a delay rounded to 0, a `call_soon`), it ran on
every loop turn until the clock's millisecond turned: a 2 ms periodic timer kept half a core
busy. The count of loop timers armed is what a busy wait shows, whatever the machine's
speed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from actorkit import Actor, ActorSystem

TICKS = 40
INTERVAL = 0.002  # 2 ms: most due times fall between two of uvloop's milliseconds


class Ticker(Actor):
    def __init__(self, done: asyncio.Event, ticks: list[float]) -> None:
        self.done = done
        self.ticks = ticks
        self.timers.start_every("tick", "tick", INTERVAL)

    async def receive(self, message: object) -> None:
        self.ticks.append(self.system.now())
        if len(self.ticks) == TICKS:
            self.done.set()


def counting(loop: asyncio.AbstractEventLoop, calls: list[int], name: str) -> Callable[..., Any]:
    arm = getattr(loop, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return arm(*args, **kwargs)

    return counted


async def test_a_periodic_timer_arms_about_one_loop_timer_per_tick() -> None:
    loop = asyncio.get_running_loop()
    calls = [0]
    names = ("call_at", "call_later", "call_soon")
    async with asyncio.timeout(10), ActorSystem("arming", metrics=False) as system:
        done = asyncio.Event()
        ticks: list[float] = []
        for name in names:
            setattr(loop, name, counting(loop, calls, name))
        try:
            before = system.now()
            await system.spawn(Ticker, done, ticks)
            await done.wait()
        finally:
            for name in names:
                delattr(loop, name)
    # A tick is a timer armed, its queue's next arming and the actor's wake-up: a few calls
    # each. A busy wait to the next millisecond made tens of calls a tick.
    assert calls[0] <= 6 * TICKS, f"{calls[0]} loop calls for {TICKS} ticks"
    # Nor are they early: the n-th tick is due `n` intervals after the timer started.
    early = [n for n, at in enumerate(ticks, 1) if at < before + n * INTERVAL - 1e-9]
    assert not early, f"ticks {early} came before their time"
