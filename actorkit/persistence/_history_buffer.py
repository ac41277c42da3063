"""The buffer between agents' state changes and the history writer, with the order that
`flush` waits on: each change gets an ordinal as it is recorded, and a flush returns once no
change at or below the ordinal it saw is still buffered or being written."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from .._when_due import call_when_due

if TYPE_CHECKING:
    from .._clock import Clock

Change = tuple[int, float, str, int | None]
"""`(ordinal, wall-clock time, state, task id)`."""

FIRST_BACKOFF = 0.05
MAX_BACKOFF = 2.0
"""Seconds on the system clock between rounds that failed: doubling from the first."""


class Pending:
    """Changes waiting to be written, by agent path, each path's in the order recorded."""

    __slots__ = ("_flight", "_waiters", "by_path", "held", "recorded", "size")

    def __init__(self) -> None:
        self.by_path: dict[str, list[Change]] = {}
        self.size = 0
        """Changes buffered for the next round."""
        self.held = 0
        """Changes in memory: those buffered and those of the round being written."""
        self.recorded = 0
        self._flight = 0
        """The lowest ordinal of the round being written, 0 between rounds."""
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []

    def add(self, path: str, time: float, state: str, task: int | None) -> None:
        self.recorded += 1
        change = (self.recorded, time, state, task)
        changes = self.by_path.get(path)
        if changes is None:
            self.by_path[path] = [change]
        else:
            changes.append(change)
        self.size += 1
        self.held += 1

    def take(self) -> dict[str, list[Change]]:
        """Everything buffered, as one round; new changes gather for the next one."""
        batch, self.by_path, self.size = self.by_path, {}, 0
        self._flight = min(changes[0][0] for changes in batch.values())
        return batch

    def put_back(self, failed: dict[str, list[Change]]) -> None:
        """End the round: what failed goes back before the newer changes of the same agents."""
        by_path = self.by_path
        for path, changes in failed.items():
            newer = by_path.get(path)
            by_path[path] = changes if newer is None else changes + newer
            self.size += len(changes)
        self.held = self.size
        self._flight = 0
        self._release()

    async def finished(self, ordinal: int) -> None:
        """Return once every change up to `ordinal` is written or dropped."""
        if ordinal >= self._floor():
            waiter = asyncio.get_running_loop().create_future()
            entry = (ordinal, waiter)
            self._waiters.append(entry)
            try:
                await waiter
            finally:  # a caller that gave up leaves no waiter behind for the writer to answer
                if entry in self._waiters:
                    self._waiters.remove(entry)

    def release_all(self) -> int:
        """The writer stopped: nothing more will be written for anyone to wait on, now or
        later. Returns the changes it leaves unwritten (a round a store's `BaseException`
        cut short, and those buffered meanwhile)."""
        left, self.held = self.held, 0
        self.by_path, self.size, self._flight = {}, 0, 0
        for _, waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()
        return left

    def _floor(self) -> float:
        """The lowest ordinal not yet written or dropped."""
        firsts = [changes[0][0] for changes in self.by_path.values()]
        if self._flight:
            firsts.append(self._flight)
        return min(firsts, default=self.recorded + 1)

    def _release(self) -> None:
        if self._waiters:
            floor = self._floor()
            done = [entry for entry in self._waiters if entry[0] < floor]
            for _, waiter in done:
                if not waiter.done():
                    waiter.set_result(None)
            self._waiters = [entry for entry in self._waiters if entry[0] >= floor]


async def pause(clock: Clock, waiter: asyncio.Future[None], failures: int) -> None:
    """Back off on the system clock (a `ManualClock` in tests) until due, or until `waiter`
    is resolved early (the system is closing)."""
    delay = min(FIRST_BACKOFF * 2 ** (failures - 1), MAX_BACKOFF)
    handle = call_when_due(clock, clock.now() + delay, lambda: _resolve(waiter))
    try:
        await waiter
    finally:
        handle.cancel()


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
