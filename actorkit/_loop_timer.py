"""Arming a loop timer so that it runs once, when `loop.time()` has reached its time."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

LONGEST_MS = 10**12
"""Past this many milliseconds (31 years) a timer is left to uvloop's own `call_at`, which
sleeps at most 100 years: no millisecond count is taken of an infinite or huge time."""


def call_at(
    loop: asyncio.AbstractEventLoop, when: float, callback: Callable[[], object]
) -> asyncio.TimerHandle:
    """`loop.call_at(when, callback)`, but on uvloop armed for the first millisecond at
    which its clock reads `when`. uvloop's `time()` is its current millisecond over 1000, and
    it rounds a delay to the nearest millisecond, so its `call_at` may run a callback half a
    millisecond before `time()` reads `when`. The runtime's timers never fire early: they arm
    themselves again for `when`, and uvloop runs that shorter-than-half-a-millisecond delay
    as a `call_soon`, on every loop turn until its clock's millisecond turns. That busy wait
    (up to 1 ms of a core per timer's firing: a 2 ms periodic timer kept half a core busy)
    goes when the first timer comes at that millisecond, which is as soon as the clock can
    read it. The millisecond is found from `when` itself, not from `when - now`, whose float
    error rounded up would arm a due time that the clock reads exactly (`now + 0.01`) a
    millisecond late."""
    if not type(loop).__module__.startswith("uvloop"):
        return loop.call_at(when, callback)
    now_ms = round(loop.time() * 1000)  # the millisecond its timers count from (or before)
    if not when * 1000 - now_ms < LONGEST_MS:
        return loop.call_at(when, callback)
    due_ms = math.ceil(when * 1000)
    if due_ms / 1000 < when:  # `when * 1000` rounded down past a whole number
        due_ms += 1
    elif (due_ms - 1) / 1000 >= when:  # or up past one
        due_ms -= 1
    return loop.call_later(max(due_ms - now_ms, 0) / 1000, callback)
