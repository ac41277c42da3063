"""Timers on the system clock: one heap per system, one clock entry for the earliest timer.

A pending timer is a small slotted handle plus a heap entry (about 190 bytes), never a task
and never a loop timer of its own: 100,000 pending timers cost what 100,000 handles cost.
Cancelling marks the handle; its heap entry is dropped when it comes due, or sooner when
cancelled entries outnumber live ones. Timers due at the same instant fire in the order
they were scheduled.

Periodic timers do not drift: the n-th tick is due at `start + n * interval`. When the
system falls behind (a blocked loop, a slow clock advance), missed ticks are coalesced into
one delivery and the schedule continues on the original grid, as Akka's fixed-rate timers
and OTP's `timer:send_interval` users would expect from a healthy system.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
from typing import TYPE_CHECKING, Any

from ._errors import MailboxFull
from ._ref import ActorRef
from ._seconds import check_seconds

if TYPE_CHECKING:
    from collections.abc import Hashable

    from ._cell import Cell
    from ._clock import Cancellable, Clock
    from ._dead_letters import DeadLetters
    from ._protocols import Ref

logger = logging.getLogger("actorkit")

_CANCELLED: Any = object()
COMPACT_AT = 1024
"""Cancelled heap entries tolerated before the heap is rebuilt without them."""


def check_delay(delay: float, what: str = "delay") -> float:
    return check_seconds(delay, what, zero_ok=True)


def check_interval(interval: float) -> float:
    interval = check_seconds(interval, "interval", zero_ok=True)
    if interval == 0:
        raise ValueError("interval must be > 0 seconds; use schedule_once for a single message")
    return interval


def _local_cell(ref: Ref) -> Cell | None:
    """None for a remote ref: its own system decides when it stops."""
    return ref._cell if isinstance(ref, ActorRef) else None


class TimerHandle:
    """A pending timer. `cancel()` is idempotent and returns whether it stopped anything."""

    __slots__ = ("_due", "_interval", "_message", "_queue", "_target")

    def __init__(
        self, queue: TimerQueue, target: Ref, message: Any, due: float, interval: float | None
    ) -> None:
        self._queue = queue  # not via the target: a remote ref has no local cell
        self._target = target
        self._message = message
        self._due = due
        self._interval = interval

    @property
    def active(self) -> bool:
        return self._message is not _CANCELLED

    def cancel(self) -> bool:
        if self._message is _CANCELLED:
            return False
        self._message = _CANCELLED
        self._queue.cancelled(self)
        # Its heap entry may wait until due (or a compaction): keep no stopped actor alive.
        self._target = _CANCELLED
        return True

    def _ended(self) -> None:
        """Bookkeeping when the timer stops for good; actor timers also leave their table."""
        self._queue.pending -= 1

    def _fire(self, now: float, seq: int) -> None:
        message = self._message
        target = self._target
        interval = self._interval
        if interval is None:
            self._message = _CANCELLED
            self._ended()
        else:
            # Next point on the grid strictly after now: missed ticks coalesce into this one.
            missed = max(1, math.floor((now - self._due) / interval) + 1)
            self._due += missed * interval
            self._queue.push(self, seq)  # its place among timers due at the same instant
        try:
            target.tell(message)
        except MailboxFull:
            self._queue.dead_letters.add(message, target.path, "mailbox_full")
        except Exception as error:
            # Routing itself failed (a pool's `hash_key` raised): no caller to raise to, so
            # log it with the target's path and keep the message as a dead letter.
            logger.error(
                "timer could not deliver %s to %s: %r",
                type(message).__name__,
                target.path,
                error,
                exc_info=error,
                extra={"actor_path": target.path},
            )
            self._queue.dead_letters.add(message, target.path, "undeliverable")
        if interval is not None and not target.is_alive:
            self.cancel()


class _ActorTimer(TimerHandle):
    """An actor's own timer, which leaves the actor's key table when it ends."""

    __slots__ = ("_key", "_timers")
    _key: Hashable
    _timers: Timers

    def _ended(self) -> None:
        by_key = self._timers._by_key
        if by_key.get(self._key) is self:
            del by_key[self._key]
        self._timers = _CANCELLED  # the table holds the actor's cell
        super()._ended()


class TimerQueue:
    """All of a system's timers: a heap of `(due, seq, handle)` with one clock entry armed
    for the earliest due time. `seq` (the order of scheduling) breaks ties between timers due
    at the same instant in C: a Python `__lt__` on the handles made each pop among 100,000
    simultaneous timers cost about seven Python calls. The seq lives in the entry, not the
    handle, so an entry costs what it did."""

    __slots__ = (
        "_armed",
        "_dead",
        "_entry",
        "_following",
        "_heap",
        "clock",
        "dead_letters",
        "pending",
        "sequence",
    )

    def __init__(self, dead_letters: DeadLetters, clock: Clock) -> None:
        self.dead_letters = dead_letters
        self.pending = 0
        """Timers scheduled and not yet ended (fired for good or cancelled)."""
        self.clock = clock
        self._heap: list[tuple[float, int, TimerHandle]] = []
        self._dead = 0
        self._entry: Cancellable | None = None
        self._armed = math.inf
        self.sequence = itertools.count()
        self._following: dict[Cell, set[TimerHandle]] = {}
        """Periodic system timers by their local target, ended when it stops for good."""

    def schedule(
        self, target: Ref, message: Any, delay: float, interval: float | None
    ) -> TimerHandle:
        """A system timer (`schedule_once` / `schedule_every`) to a local or remote ref."""
        handle = TimerHandle(self, target, message, self.clock.now() + delay, interval)
        self.pending += 1
        self.push(handle)
        if interval is not None:
            self.follow(handle)
        return handle

    def follow(self, handle: TimerHandle) -> None:
        """End this periodic timer when its target stops, rather than at its next tick: an
        hourly tick must not keep a stopped actor alive for an hour, nor leave a dead letter
        for a message nobody sent."""
        cell = _local_cell(handle._target)
        if cell is not None and not cell.closed:
            self._following.setdefault(cell, set()).add(handle)

    def target_stopped(self, cell: Cell) -> None:
        followed = self._following.pop(cell, None)
        if followed:
            for handle in list(followed):
                handle.cancel()

    def push(self, handle: TimerHandle, seq: int | None = None) -> None:
        """File a new timer (`seq` None: after everything scheduled so far) or re-file a
        periodic one under the seq it was scheduled with."""
        due = handle._due
        heapq.heappush(self._heap, (due, next(self.sequence) if seq is None else seq, handle))
        if due < self._armed:
            self._arm(due)

    def _arm(self, due: float) -> None:
        if self._entry is not None:
            self._entry.cancel()
        self._armed = due
        self._entry = self.clock.call_at(due, self._fire)

    def cancelled(self, handle: TimerHandle) -> None:
        if self._following and handle._interval is not None:
            cell = _local_cell(handle._target)
            followed = self._following.get(cell) if cell is not None else None
            if followed is not None:
                followed.discard(handle)
                if not followed:
                    del self._following[cell]  # type: ignore[arg-type]
        handle._ended()
        self._dead += 1
        heap = self._heap
        if self._dead > COMPACT_AT and self._dead * 2 > len(heap):
            heap[:] = [entry for entry in heap if entry[2]._message is not _CANCELLED]
            heapq.heapify(heap)
            self._dead = 0

    def _fire(self) -> None:
        self._entry = None
        self._armed = math.inf
        heap = self._heap
        now = self.clock.now()
        pop = heapq.heappop
        while heap and heap[0][0] <= now:
            _, seq, handle = pop(heap)
            if handle._message is _CANCELLED:
                self._dead -= 1
                continue
            handle._fire(now, seq)
        if heap:
            self._arm(heap[0][0])

    def close(self) -> None:
        if self._entry is not None:
            self._entry.cancel()
            self._entry = None
        self._armed = math.inf

    def __len__(self) -> int:
        return len(self._heap) - self._dead


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
        queue = self._cell.runtime.timers
        now = queue.clock.now()
        handle = _ActorTimer(queue, self._cell.ref, message, now + delay, interval)
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
