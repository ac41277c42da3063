"""An actor's timers for its durable reminders (`persistence/_wall`): a timer that asks before
each tick whether to queue it, and one filed again for another time as the same timer. Kept
off the `Timers` methods users call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._actor_timers import Timers
from ._seconds import FOREVER, check_delay, check_interval
from ._timer_handles import ActorTimer

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable
    from typing import TypeAlias

    from ._protocols import Ref

    Guard: TypeAlias = Callable[[], bool]
    """Asked before each tick of a guarded timer (`GuardedTimer`): queue it or not."""


class GuardedTimer(ActorTimer):
    """An actor timer that asks `guard` before each tick whether to queue it: a durable
    reminder is due on the wall clock, which may have stepped since the timer was set on the
    loop's. The guard may move or restart the timer instead (`move`)."""

    __slots__ = ("_guard",)
    _guard: Guard

    def _send(self, target: Ref, message: Any) -> None:
        if self._guard():
            self._timers._tick(self, message)

    def _ended(self) -> None:
        # The guard holds the reminder, and so its actor: the queue's entry for this timer
        # may wait until its due time (a day away) or a compaction, and must not keep them.
        self._guard = _ended
        super()._ended()


def _ended() -> bool:
    """The guard of a timer that ended: its entry is dropped unsent, so never asked."""
    return False


def start_guarded(
    timers: Timers, key: Hashable, message: Any, delay: float, every: float | None, guard: Guard
) -> None:
    """A timer that asks `guard` before each tick (`GuardedTimer`), for durable reminders."""
    first = delay if type(delay) is float and 0.0 <= delay < FOREVER else check_delay(delay)
    interval = None if every is None else check_interval(every)
    handle = timers._start(key, message, first, interval, GuardedTimer)
    if isinstance(handle, GuardedTimer):  # not for an actor that drains; and it fires from
        handle._guard = guard  # the loop, never before this


def move(timers: Timers, key: Hashable, delay: float) -> bool:
    """Fire the live timer with this key `delay` seconds from now instead (a periodic one
    keeps its interval from there), as the same timer: the ticks it queued stay queued, where
    ending it and starting another would withdraw them. Whether there was one to move."""
    handle = timers._by_key.get(key)
    if handle is None or not handle.active:
        return False
    queue = timers._cell.runtime.timers
    queue.move(handle, queue.clock.now() + check_delay(delay))
    return True
