"""The deadlines of pending tasks: one clock timer for all of them, not one each.

A loop timer per task cost more than the rest of a submit (about a microsecond on uvloop, to
arm and to run), and a burst of tasks given one timeout ran a callback each at its deadline.
Here a submit with a deadline is a push on a heap; the one timer is set for the earliest
deadline, and when it fires it expires every task then due, in the order of deadline and
then of submission (the task's id: a retry filed again keeps its place), before it is set
for the next.

A task that starts, is cancelled or finishes first cancels its entry, which stays in the heap
until it surfaces: most tasks with a deadline start long before it. Once the heap is more
than half cancelled entries it is rebuilt, so a steady stream of tasks that start in time
keeps it at most twice the size of the pending ones. The timer is never set for a cancelled
entry (those at the front go when it is set), nor left set once every entry is cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heapify, heappop, heappush
from typing import TYPE_CHECKING

from .._when_due import call_when_due

if TYPE_CHECKING:
    from .._clock import Cancellable, Clock
    from ._handle import TaskHandle

_new = object.__new__

_SLACK = 64
"""Cancelled entries a heap may hold before it is first rebuilt: a small one is not rebuilt
on nearly every cancel."""


class Due:
    """A pending task's entry: the handle's `_timer`, cancelled when it starts or ends."""

    __slots__ = ("deadlines", "handle")

    deadlines: Deadlines
    handle: TaskHandle | None

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle = None
            self.deadlines.dropped()


class Deadlines:
    __slots__ = ("_clock", "_expire", "_filed", "_heap", "_stale", "_timer", "_timer_at")

    def __init__(self, clock: Clock, expire: Callable[[TaskHandle, float], object]) -> None:
        self._clock = clock
        self._expire = expire
        """Called with each task whose deadline has come, and the time read when it came."""
        self._heap: list[tuple[float, int, int, Due]] = []
        self._filed = 0
        """Entries ever filed: the third key, after the task's id, so that no two entries
        compare equal (a task filed again may meet its own cancelled entry)."""
        self._stale = 0
        """Cancelled entries still in the heap."""
        self._timer: Cancellable | None = None
        self._timer_at = 0.0

    def __len__(self) -> int:
        """The entries not cancelled."""
        return len(self._heap) - self._stale

    @property
    def held(self) -> int:
        """The entries in the heap, cancelled ones included."""
        return len(self._heap)

    def add(self, handle: TaskHandle) -> Due:
        deadline: float = handle._deadline  # type: ignore[assignment]  # only those with one
        due = _new(Due)
        due.deadlines = self
        due.handle = handle
        self._filed = filed = self._filed + 1
        heappush(self._heap, (deadline, handle._id, filed, due))
        if self._timer is None or deadline < self._timer_at:
            self._arm(deadline)
        return due

    def dropped(self) -> None:
        """One entry more was cancelled."""
        self._stale = stale = self._stale + 1
        heap = self._heap
        if stale == len(heap):  # none left to expire: no timer either
            self.close()
        elif stale > _SLACK and 2 * stale > len(heap):
            self._heap = [entry for entry in heap if entry[3].handle is not None]
            heapify(self._heap)
            self._stale = 0

    def close(self) -> None:
        """At shutdown: nothing expires any more (the pending tasks fail instead)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for *_, due in self._heap:
            due.handle = None
        self._heap = []
        self._stale = 0

    def _arm(self, deadline: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = deadline
        self._timer = call_when_due(self._clock, deadline, self._fire)

    def expire_due(self) -> None:
        """Expire every entry due now, as the timer will: for a task found past its deadline
        before the timer ran (filed first), so that it expires in its place among the others
        then due, not before them."""
        if self._timer is not None:
            self._timer.cancel()
        self._fire()

    def _fire(self) -> None:
        self._timer = None
        now = self._clock.now()
        while heap := self._heap:  # read again: an expiry may file or cancel entries
            deadline, _, _, due = heap[0]
            handle = due.handle
            if handle is None:
                heappop(heap)
                self._stale -= 1
            elif deadline <= now:
                heappop(heap)
                due.handle = None
                self._expire(handle, now)
            else:
                self._arm(deadline)
                return
