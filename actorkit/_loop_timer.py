"""Arming a loop timer so that it runs once, when `loop.time()` has reached its time."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable


def call_at(
    loop: asyncio.AbstractEventLoop, when: float, callback: Callable[[], object]
) -> asyncio.TimerHandle:
    """`loop.call_at(when, callback)`, but on uvloop with the delay rounded up to a whole
    millisecond. uvloop reads its time in whole milliseconds and rounds a delay to the
    nearest one, so its `call_at` may run a callback half a millisecond before `time()` reads
    `when`. The runtime's timers never fire early: they arm themselves again for `when`, and
    uvloop runs that shorter-than-half-a-millisecond delay as a `call_soon`, on every loop
    turn until its clock's millisecond turns. That busy wait (up to 1 ms of a core per
    timer's firing: a 2 ms periodic timer kept half a core busy) goes when the first timer
    comes at the millisecond `when` falls in, which is as soon as the clock can read it."""
    if not type(loop).__module__.startswith("uvloop"):
        return loop.call_at(when, callback)
    now = loop.time()  # uvloop's time() is its current millisecond, which its timers start from
    ms = max(math.ceil((when - now) * 1000), 0)
    if (round(now * 1000) + ms) / 1000 < when:  # the float sum falls a hair short of `when`
        ms += 1
    return loop.call_later(ms / 1000, callback)
