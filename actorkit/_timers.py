"""Timers on the system clock: one clock entry per pending timer, never a task per timer.

Periodic timers do not drift: the n-th tick is due at `start + n * interval`. When the
system falls behind (a blocked loop, a slow clock advance), missed ticks are coalesced into
one delivery and the schedule continues on the original grid, as Akka's fixed-rate timers
and OTP's `timer:send_interval` users would expect from a healthy system.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ._errors import MailboxFull

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

    from ._cell import Cell
    from ._clock import Cancellable, Clock
    from ._ref import ActorRef


def check_delay(delay: float, what: str = "delay") -> float:
    if not isinstance(delay, int | float) or isinstance(delay, bool):
        raise TypeError(f"{what} must be a number of seconds, got {type(delay).__name__}")
    if delay < 0 or math.isnan(delay):
        raise ValueError(f"{what} must be >= 0 seconds, got {delay!r}")
    return float(delay)


def check_interval(interval: float) -> float:
    interval = check_delay(interval, "interval")
    if interval == 0:
        raise ValueError("interval must be > 0 seconds; use schedule_once for a single message")
    return interval


class TimerHandle:
    """A pending timer. `cancel()` is idempotent and returns whether it stopped anything."""

    __slots__ = ("_clock", "_due", "_entry", "_interval", "_message", "_on_end", "_target")

    def __init__(
        self,
        clock: Clock,
        target: ActorRef,
        message: Any,
        due: float,
        interval: float | None,
        on_end: Callable[[TimerHandle], None],
    ) -> None:
        self._clock = clock
        self._target = target
        self._message = message
        self._due = due
        self._interval = interval
        self._on_end = on_end
        self._entry: Cancellable | None = clock.call_at(due, self._fire)

    @property
    def active(self) -> bool:
        return self._entry is not None

    def cancel(self) -> bool:
        entry = self._entry
        if entry is None:
            return False
        self._entry = None
        entry.cancel()
        self._on_end(self)
        return True

    def _fire(self) -> None:
        if self._entry is None:
            return
        target = self._target
        interval = self._interval
        if interval is None:
            self._entry = None
            self._on_end(self)
        else:
            # Next point on the grid strictly after now: missed ticks coalesce into this one.
            now = self._clock.now()
            missed = max(1, math.floor((now - self._due) / interval) + 1)
            self._due += missed * interval
            self._entry = self._clock.call_at(self._due, self._fire)
        try:
            target.tell(self._message)
        except MailboxFull:
            cell = target._cell
            cell.system.dead_letters.add(self._message, cell.path, "mailbox_full")
        if interval is not None and not target.is_alive:
            self.cancel()


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
        self.cancel(key)
        system = self._cell.system
        by_key = self._by_key

        def ended(handle: TimerHandle) -> None:
            if by_key.get(key) is handle:
                del by_key[key]
            system.timer_ended()

        clock = system.clock
        by_key[key] = TimerHandle(
            clock, self._cell.ref, message, clock.now() + delay, interval, ended
        )
        system.timer_started()

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
