"""Turns that the coroutines of one event loop take, for an object that outlives its loops."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


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
