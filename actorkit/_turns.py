"""Turns that the coroutines of one event loop take, for an object that outlives its loops;
and the one loop at a time such an object (`ManualClock`) may drive systems on."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

IDLE_LOOP = (
    "is not running now, so nothing of the system runs until it does (a pytest-asyncio "
    "fixture of a wider loop_scope than its test's starts the system on a loop of its own: "
    "give the test the same loop_scope, @pytest.mark.asyncio(loop_scope=...))"
)
"""Why a system whose loop is alive but not running serves no caller on another loop."""


class LoopTurns:
    """One `asyncio.Lock` per running loop, kept only while a coroutine holds or awaits it: a
    lock binds to the loop it first waits on, and holds it, while the owner (`ManualClock`)
    may outlive many loops (two tests, two `asyncio.run`s) and must keep none of them."""

    __slots__ = ("_locks", "_takers")

    def __init__(self) -> None:
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        self._takers: dict[asyncio.AbstractEventLoop, int] = {}

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait until the turns taken before on this loop end, then hold it."""
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        self._takers[loop] = self._takers.get(loop, 0) + 1
        try:
            async with lock:
                yield
        finally:
            takers = self._takers[loop] - 1
            if takers:
                self._takers[loop] = takers
            else:
                del self._takers[loop], self._locks[loop]


def attach_on(
    loops: list[asyncio.AbstractEventLoop],
    idles: list[Callable[[], bool]],
    loop: asyncio.AbstractEventLoop,
    idle: Callable[[], bool],
) -> None:
    """Add a system on `loop` (its `idle` check) to those a clock drives, refused while the
    clock drives one on another loop that is running: that loop is another thread's, and the
    clock fires every system's timers on the thread that advances it, where that loop's
    actors must not be touched (asyncio's debug mode raises, and the tick is lost). A loop
    that no longer runs is no obstacle: a clock per module outlives an `asyncio.run` per test."""
    if _another_running(loops, loop):
        raise RuntimeError(
            "this ManualClock drives a system on another event loop running in another "
            "thread, and fires every system's timers on the thread that advances it: give "
            "each event loop its own ManualClock"
        )
    loops.append(loop)
    idles.append(idle)


def check_driven_from_theirs(loops: list[asyncio.AbstractEventLoop]) -> None:
    """`ManualClock.advance` and `settle` run on the loop of the systems they drive: from
    another thread's loop, the timers they fire would touch those actors from there; from
    this thread's while theirs waits to run again, they would fire the timers of actors that
    cannot run between the steps (and `settle` would see none of their work)."""
    loop = asyncio.get_running_loop()
    if _another_running(loops, loop):
        raise RuntimeError(
            "this ManualClock drives a system on another event loop running in another "
            "thread: advance or settle it on that loop (asyncio.run_coroutine_threadsafe"
            "(clock.advance(seconds), loop) from this thread)"
        )
    if any(other is not loop and not other.is_closed() for other in loops):
        raise RuntimeError(
            f"this ManualClock drives a system on another event loop, which {IDLE_LOOP}: "
            "advance or settle it from that loop, or give each event loop its own ManualClock"
        )


def _another_running(
    loops: list[asyncio.AbstractEventLoop], loop: asyncio.AbstractEventLoop
) -> bool:
    return any(other is not loop and other.is_running() for other in loops)


def forget_closed(loops: list[asyncio.AbstractEventLoop], idles: list[Callable[[], bool]]) -> bool:
    """Drop the systems of loops since closed, never shut down (a loop closed by hand, no
    `asyncio.run` to end them): whether there was one. Nothing of theirs runs again, so
    their actors are no work to wait for, and a clock kept across tests must not hold them."""
    closed = [at for at, loop in enumerate(loops) if loop.is_closed()]
    for at in reversed(closed):
        del loops[at], idles[at]
    return bool(closed)


def detach_from(
    loops: list[asyncio.AbstractEventLoop],
    idles: list[Callable[[], bool]],
    idle: Callable[[], bool],
) -> None:
    """Once per `attach_on`, and for one it refused (its system's shutdown detaches it too)."""
    if idle in idles:
        at = idles.index(idle)
        del loops[at], idles[at]
