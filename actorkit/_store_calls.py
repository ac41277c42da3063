"""The runtime's calls to its store that are in flight, counted for a clock that must wait
for them (`actorkit.testing.ManualClock`).

A store answers from outside the event loop's tasks (aiosqlite's thread, asyncpg's socket),
so while an actor awaits a `persist`, a `save`, its recovery or a reminder's storage, no task
can run, yet the actor is busy with the runtime's own work: a clock that took that for quiet
would move time past it, and fire ask timeouts and reminders into work that succeeds. A
system counts its store's calls only when its clock carries a `StoreCalls`
(`persistence._counted`), so a system on the real clock pays nothing for this.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager


class StoreCalls:
    """Calls in flight, each with what it is and when it began (real time), and the waiters
    to wake when one ends."""

    __slots__ = ("_calls", "_ids", "_waiters")

    def __init__(self) -> None:
        self._calls: dict[int, tuple[str, float]] = {}
        self._ids = itertools.count()
        self._waiters: list[asyncio.Future[None]] = []

    def __len__(self) -> int:
        return len(self._calls)

    @contextmanager
    def call(self, what: str) -> Iterator[None]:
        """Counts the call made in the block, `what` naming it (`SQLiteStore.append('/a')`)."""
        key = next(self._ids)
        self._calls[key] = (what, time.monotonic())
        try:
            yield
        finally:
            del self._calls[key]
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def one_ends(self, seconds: float) -> None:
        """Returns when a call in flight ends; `TimeoutError` naming the calls still in
        flight when none has within `seconds` of real time (a store that never answers)."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(seconds):
                await waiter
        except TimeoutError:
            raise TimeoutError(
                f"no store call of the actors ended within {seconds} s of real time; still in "
                f"flight: {self.describe()}. A store that does not answer holds every actor "
                "that waits on it: check the store, or give a slow one longer with "
                "ManualClock(store_timeout=...)"
            ) from None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def describe(self, shown: int = 5) -> str:
        """The calls in flight, oldest first, with how long each has been."""
        now = time.monotonic()
        calls = list(self._calls.values())
        names = [f"{what} for {now - began:.1f} s" for what, began in calls[:shown]]
        more = f" and {len(calls) - shown} more" if len(calls) > shown else ""
        return ", ".join(names) + more if names else "none"
