"""A wait on the system clock ends no earlier than its time on a loop that runs timers
early (docs/api.md, Clock): asyncio's runs whatever falls due within its clock resolution,
15.6 ms on Windows. Kills the mutant of `call_when_due` that trusts every `SystemClock`."""

from __future__ import annotations

import asyncio

from actorkit._clock import SystemClock
from actorkit._when_due import call_when_due, clock_timeout

BOUND = 5.0
COARSE = 0.05
"""A clock resolution as coarse as Windows', so that asyncio's loop runs a timer that
falls due within it at once."""
WAIT = 0.01


def coarse_clock(loop: asyncio.AbstractEventLoop) -> SystemClock:
    """A system clock on `loop`, made to run timers early where it can (asyncio's; uvloop's
    never does). asyncio's runs them early at a loop turn that has other work: `busy`."""
    if hasattr(loop, "_clock_resolution"):
        setattr(loop, "_clock_resolution", COARSE)  # noqa: B010  # asyncio's private attribute
    clock = SystemClock()
    clock.attach(loop, lambda: True)
    return clock


def busy(loop: asyncio.AbstractEventLoop) -> None:
    """Work for the next loop turn, which then runs the timers due within its resolution."""
    loop.call_soon(lambda: None)


async def test_a_call_when_due_on_a_coarse_loop_runs_once_its_clock_reads_the_time() -> None:
    loop = asyncio.get_running_loop()
    clock = coarse_clock(loop)
    when = clock.now() + WAIT
    read: list[float] = []
    done = asyncio.Event()

    def fire() -> None:
        read.append(clock.now())
        done.set()

    call_when_due(clock, when, fire)
    busy(loop)
    async with asyncio.timeout(BOUND):
        await done.wait()
    assert read[0] >= when


async def test_a_clock_timeout_on_a_coarse_loop_ends_no_earlier_than_its_time() -> None:
    loop = asyncio.get_running_loop()
    clock = coarse_clock(loop)
    start = clock.now()
    async with asyncio.timeout(BOUND):
        try:
            async with clock_timeout(clock, WAIT):
                busy(loop)
                await asyncio.Event().wait()
        except TimeoutError:
            pass
    assert clock.now() >= start + WAIT
