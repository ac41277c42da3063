"""Single waits on a `Clock` that never end before their time: a deadline, a backoff, a
timeout a `ManualClock` must be able to end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from ._clock import Cancellable, Clock, SystemClock


class _WhenDue:
    """See `call_when_due`."""

    __slots__ = ("_callback", "_clock", "_entry", "_when")

    def __init__(self, clock: Clock, when: float, callback: Callable[[], object]) -> None:
        self._clock = clock
        self._when = when
        self._callback = callback
        self._entry = clock.call_at(when, self._fire)

    def _fire(self) -> None:
        if self._clock.now() < self._when:
            self._entry = self._clock.call_at(self._when, self._fire)
        else:
            self._callback()

    def cancel(self) -> None:
        self._entry.cancel()


def call_when_due(clock: Clock, when: float, callback: Callable[[], object]) -> Cancellable:
    """`clock.call_at`, but never before `clock.now()` reads `when`.

    A loop may run a timer early as read on its own clock: asyncio runs whatever falls due
    within its clock resolution (uvloop's, whose delays `SystemClock` rounds up, does not).
    A deadline, a backoff or a timeout that fired then would end before its time, so an
    early call is armed again for `when`, at a cost of a callback per loop turn for at most
    that resolution. The timer queue and the ask deadlines read the clock when they fire
    anyway, and do the same themselves. A system clock on uvloop needs no second look
    (`SystemClock.call_at` arms its timers for when its clock reads their time)."""
    if type(clock) is SystemClock and clock.never_early:
        return clock.call_at(when, callback)
    return _WhenDue(clock, when, callback)


@asynccontextmanager
async def clock_timeout(clock: Clock, seconds: float) -> AsyncIterator[None]:
    """`asyncio.timeout(seconds)` counted on `clock`, for a runtime wait that a
    `ManualClock` must be able to end: the clock's timer moves the asyncio timeout to now,
    so expiry, cancellation and the `TimeoutError` stay asyncio's own."""
    async with asyncio.timeout(None) as timeout:
        loop = asyncio.get_running_loop()
        expiry = call_when_due(
            clock, clock.now() + seconds, lambda: timeout.reschedule(loop.time())
        )
        try:
            yield
        finally:
            expiry.cancel()
