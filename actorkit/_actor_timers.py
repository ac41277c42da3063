"""An actor's own timers (`self.timers`), by key, filed in the system's `TimerQueue`."""

from __future__ import annotations

import reprlib
from typing import TYPE_CHECKING, Any

from ._errors import ActorStopped
from ._timer_handles import CANCELLED, TimerHandle
from ._timers import check_delay, check_interval

if TYPE_CHECKING:
    from collections.abc import Hashable

    from ._cell import Cell


class ActorTimer(TimerHandle):
    """An actor's own timer, which leaves the actor's key table when it ends."""

    __slots__ = ("_key", "_timers")
    _key: Hashable
    _timers: Timers

    def _ended(self) -> None:
        by_key = self._timers._by_key
        if by_key.get(self._key) is self:
            del by_key[self._key]
        self._timers = CANCELLED  # the table holds the actor's cell
        super()._ended()


class Timers:
    """An actor's own timers, by key. A new timer with a key replaces the old one; all of them
    end when the actor stops or restarts, so a restarted instance never sees stale ticks."""

    __slots__ = ("_by_key", "_cell")

    def __init__(self, cell: Cell) -> None:
        self._cell = cell
        self._by_key: dict[Hashable, TimerHandle] = {}

    def start_once(self, key: Hashable, message: Any, delay: float) -> None:
        self._start(key, message, check_delay(delay), None)

    def start_every(
        self, key: Hashable, message: Any, interval: float, initial_delay: float | None = None
    ) -> None:
        interval = check_interval(interval)
        first = interval if initial_delay is None else check_delay(initial_delay, "initial_delay")
        self._start(key, message, first, interval)

    def _start(self, key: Hashable, message: Any, delay: float, interval: float | None) -> None:
        cell = self._cell
        if cell.closed:
            # From a task the actor left running, say: such a timer would keep the stopped
            # actor in memory and deliver only dead letters.
            raise ActorStopped(
                f"{cell.display_path} is stopped; its timer {reprlib.repr(key)} was not started"
            )
        self.cancel(key)
        queue = cell.runtime.timers
        now = queue.clock.now()
        handle = ActorTimer(queue, cell.ref, message, now + delay, interval)
        handle._key = key
        handle._timers = self
        self._by_key[key] = handle
        queue.pending += 1
        queue.push(handle)

    def cancel(self, key: Hashable) -> bool:
        handle = self._by_key.get(key)
        return handle.cancel() if handle is not None else False

    def cancel_all(self) -> None:
        for handle in list(self._by_key.values()):
            handle.cancel()

    def is_active(self, key: Hashable) -> bool:
        return key in self._by_key

    def __len__(self) -> int:
        return len(self._by_key)
