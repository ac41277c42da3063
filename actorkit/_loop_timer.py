"""Loop timers that run once `loop.time()` has reached their time, on uvloop as well."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

_ON_UVLOOP: dict[type, bool] = {}
"""Whether a loop class is uvloop's or derives from it, decided once per class: a program's
own subclass (instrumented, say) has uvloop's timers, in a module of its own."""

FARTHEST = 1e12
"""Seconds (30,000 years) past which a time is left to the loop as it is: no millisecond
count is taken of an infinite or huge time, and uvloop sleeps at most 100 years anyway."""

ARMINGS = 4
"""Armings of one timer at most, each after the millisecond turned under the one before."""


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
    read it.

    uvloop reads its clock again as it arms the timer: should the millisecond turn between
    the two readings, the timer is armed a millisecond late, and armed again. Timers armed
    for one time then run in the order they were armed, as on asyncio's loop. An arming
    takes about a microsecond, so the millisecond turns in one of about a thousand; one that
    turns at each of `ARMINGS` armings in a row means an arming takes a millisecond or more
    (uvloop in asyncio's debug mode under tracemalloc, where `call_later` records its
    stack), and the last is kept: late by what its arming took, as the loop is late."""
    ms = _uvloop_ms(loop, when)
    if ms is None:
        return loop.call_at(when, callback)
    armings = ARMINGS
    while True:
        now_ms = round(loop.time() * 1000)  # the millisecond its timers count from
        handle = loop.call_later(max(ms - now_ms, 0) / 1000, callback)
        armings -= 1
        if ms <= now_ms or round(loop.time() * 1000) == now_ms or not armings:
            return handle
        handle.cancel()


def timeout(seconds: float) -> asyncio.Timeout:
    """`asyncio.timeout(seconds)`, but on uvloop not expiring before `loop.time()` has read
    its deadline (see `call_at`): a forced stop's deadline, which cuts into a handler, must
    not come half a millisecond early."""
    return timeout_at(asyncio.get_running_loop().time() + seconds)


def timeout_at(when: float) -> asyncio.Timeout:
    """`asyncio.timeout_at(when)`, never early on uvloop (see `timeout`): for a deadline
    read once and waited for later, whose time a stall before the wait must not move."""
    return asyncio.timeout_at(due_at(asyncio.get_running_loop(), when))


def due_at(loop: asyncio.AbstractEventLoop, when: float) -> float:
    """`when`, or on uvloop the first reading of its clock at or after `when`: a time that
    uvloop's own `call_at` (rounding `when - time()`) arms at exactly that millisecond."""
    ms = _uvloop_ms(loop, when)
    return when if ms is None else ms / 1000


def never_early(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether `call_at` on this loop runs nothing before `loop.time()` reads its time: on
    uvloop, yes; asyncio's own loop runs what falls due within its clock's resolution (a
    nanosecond on Linux, 15.6 ms on Windows)."""
    kind = type(loop)
    uv = _ON_UVLOOP.get(kind)
    if uv is None:
        uv = _ON_UVLOOP[kind] = any(c.__module__.startswith("uvloop") for c in kind.__mro__)
    return uv


def _uvloop_ms(loop: asyncio.AbstractEventLoop, when: float) -> int | None:
    """`_first_ms(when)` on uvloop, None on another loop or for a time too far to count."""
    return _first_ms(when) if never_early(loop) and abs(when) < FARTHEST else None


def _first_ms(when: float) -> int:
    """The first millisecond `ms` for which `ms / 1000 >= when`: from `when` itself, not
    from `when - now`, whose float error rounded up would make a time the clock reads
    exactly (`now + 0.01`) a millisecond later."""
    ms = math.ceil(when * 1000)
    if ms / 1000 < when:  # `when * 1000` rounded down past a whole number
        return ms + 1
    if (ms - 1) / 1000 >= when:  # or up past one
        return ms - 1
    return ms
