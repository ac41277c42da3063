"""Timers on the system clock: one queue per system, one clock entry for the earliest timer.

A pending timer is a small slotted handle (`_timer_handles`) plus an entry in the system's
`TimerQueue`, about 190 bytes together (a periodic one 56 more, its grid): never a task and
never a loop timer of its own, so 100,000 pending timers cost what 100,000 handles cost.
Cancelling marks the handle; its entry is dropped when due, or sooner when cancelled entries
outnumber live ones. Timers due at one instant fire in the order they were scheduled.
Periodic timers keep to their grid and coalesce missed ticks (`TimerHandle._repeat`), as
Akka's fixed-rate timers and OTP's `timer:send_interval` users expect of a healthy system.

An actor's own timers (`_actor_timers`) are filed here too, and queue their ticks themselves,
so that ending one withdraws a tick already queued. One started again for a later time keeps
its entry, which files it again for that time, under the seq of that start, when it comes up
(`TimerHandle._again`): an idle timeout restarted by each message costs no entry per message,
and still fires after the timers due with it that were scheduled before that start. A system
timer's tick stays a plain tell: it may go to a pool, which routes it to a member, or to a
remote actor, where nothing can be withdrawn, and, as with Akka's scheduler, cancelling it
stops the ticks not yet sent. Nor is it tied to an instance: it keeps ticking across its
target's restarts, like the ref.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from typing import TYPE_CHECKING, Any

from ._manual_entries import Lapsing
from ._ref import ActorRef, local_cell
from ._timer_handles import CANCELLED, TimerHandle
from ._undelivered_ticks import undelivered

if TYPE_CHECKING:
    from ._cell import Cell
    from ._clock import Cancellable, Clock
    from ._dead_letters import DeadLetters, Reason
    from ._protocols import Ref
    from ._runtime import Runtime

__all__ = ["COMPACT_AT", "TimerHandle", "TimerQueue"]  # TimerHandle: where importers find it

COMPACT_AT = 1024
"""Cancelled heap entries tolerated before the heap is rebuilt without them."""


class TimerQueue(Lapsing):
    """All of a system's timers, in due order, with one clock entry armed for the earliest.

    An entry is `(due, seq, handle)`; `seq` (the order of scheduling) breaks ties between
    timers due at the same instant in C (a Python `__lt__` on the handles cost about seven
    Python calls per pop among 100,000 simultaneous timers) and lives in the entry, not the
    handle, so an entry costs what it did. Entries that arrive in order (the common case:
    timers scheduled with the same delay) are appended to `_run`, a deque popped from the
    front; the others go to `_heap`. Firing merges the two. A `heappop` among 100,000
    entries costs 17 levels of tuple comparisons, about six times a `popleft`.
    """

    __slots__ = (
        "_armed",
        "_dead",
        "_entry",
        "_following",
        "_heap",
        "_run",
        "clock",
        "dead_letters",
        "epoch",
        "owner",
        "pending",
        "sequence",
    )

    def __init__(
        self, dead_letters: DeadLetters, clock: Clock, owner: Runtime | None = None
    ) -> None:
        self.owner: Runtime | None = owner
        """The system's runtime, whose loop's thread alone may cancel a system timer (None:
        a queue of no system, as the queue's own tests build)."""
        self.dead_letters: DeadLetters = dead_letters
        self.pending: int = 0
        """Timers scheduled and not yet ended (fired for good or cancelled)."""
        self.clock: Clock = clock
        self._heap: list[tuple[float, int, TimerHandle]] = []
        self._run: deque[tuple[float, int, TimerHandle]] = deque()
        self._dead = 0
        self.epoch: int = 0  # the compactions and closes, which drop entries before they are due
        self._entry: Cancellable | None = None
        self._armed = math.inf
        self.sequence: itertools.count[int] = itertools.count()
        self._following: dict[Cell, set[TimerHandle]] = {}
        """Periodic system timers by their local target, ended when it stops for good."""

    def schedule(
        self, target: Ref, message: Any, delay: float, interval: float | None
    ) -> TimerHandle:
        """A system timer (`schedule_once` / `schedule_every`) to a local or remote ref."""
        handle = TimerHandle(self, target, message, self.clock.now() + delay, interval)
        cell = local_cell(target)  # None for a remote ref: it ticks until cancelled
        lost = None if cell is None else _lost(cell, interval)
        if lost is not None:
            # Never armed, so its handle is inactive from the call on (`erlang:send_after` to
            # a dead pid); what it would have sent is counted, once (Akka's dead letters).
            handle._message = handle._target = CANCELLED
            self.dead_letters.add(message, target.path, lost)
            return handle
        self.pending += 1
        self.push(handle)
        if interval is not None and cell is not None:
            self.follow(handle, cell)
        return handle

    def follow(self, handle: TimerHandle, cell: Cell) -> None:
        """End this periodic timer when its local target stops, rather than at its next tick:
        an hourly tick must not keep a stopped actor alive for an hour, nor leave a dead letter
        for a message nobody sent."""
        followed = self._following.get(cell)
        if followed is None:
            followed = self._following[cell] = set()
            cell.follow_stop(self.target_stopped)
        followed.add(handle)

    def target_stopped(self, cell: Cell) -> None:
        followed = self._following.pop(cell, None)
        if followed:
            for handle in list(followed):
                handle.cancel()

    def push(self, handle: TimerHandle, seq: int | None = None) -> None:
        """File a new timer (`seq` None: after everything scheduled so far) or re-file a
        periodic one under the seq it was scheduled with."""
        due = handle._due
        self._file((due, next(self.sequence) if seq is None else seq, handle))
        if due < self._armed:
            self._arm(due)

    def _file(self, entry: tuple[float, int, TimerHandle]) -> None:
        run = self._run
        # Seqs are unique among filed entries: the comparison never reaches the handles.
        if not run or entry > run[-1]:
            run.append(entry)
        else:
            heapq.heappush(self._heap, entry)

    def move(self, handle: TimerHandle, due: float) -> None:
        """File a live timer for `due` as the same handle, so the ticks it queued stay tied
        to it (a durable reminder kept to a wall clock that stepped). The entry it leaves
        behind counts as dead: the firing skips an entry whose due time is not its handle's."""
        if due == handle._due:
            return
        handle._again()  # a start again not filed yet: this filing replaces it
        handle._moved(due)
        self._dead += 1
        self.push(handle)
        self._compact_if_mostly_dead()

    def _arm(self, due: float) -> None:
        if self._entry is not None:
            self._entry.cancel()
        self._armed = due
        self._entry = self.clock.call_at(due, self)

    def cancelled(self, handle: TimerHandle) -> None:
        if self._following and handle._interval is not None:
            cell = local_cell(handle._target)
            followed = None if cell is None else self._following.get(cell)
            if cell is not None and followed is not None:
                followed.discard(handle)
                if not followed:  # its hook goes too: a target of another system would keep
                    del self._following[cell]  # this one, shut down, for as long as it lives
                    if cell.stop_followers and self.target_stopped in cell.stop_followers:
                        cell.stop_followers.remove(self.target_stopped)
        handle._ended()
        self._dead += 1
        self._compact_if_mostly_dead()

    def _compact_if_mostly_dead(self) -> None:
        if self._dead > COMPACT_AT and self._dead * 2 > len(self._heap) + len(self._run):
            self._compact()

    def _compact(self) -> None:
        heap = self._heap
        seen: set[TimerHandle] = set()
        again: list[tuple[float, int, TimerHandle]] = []
        heap[:] = [entry for entry in heap if _live(entry, seen, again)]
        live = [entry for entry in self._run if _live(entry, seen, again)]
        heap.extend(again)
        heapq.heapify(heap)
        self._run.clear()
        self._run.extend(live)
        self._dead = 0
        self.epoch += 1

    def lapsed(self) -> bool:
        """Whether its clock entry, armed for a timer since cancelled, has no timer left to
        fire (`ManualClock.pending`): the entry stays armed, so that a timeout cancelled at
        each reply and started again at the next request costs no new entry."""
        return not self.pending

    def __call__(self) -> None:
        """The clock entry's callback: fire what is due, arm for the next."""
        self._entry = None
        self._armed = math.inf
        heap, run = self._heap, self._run
        now = self.clock.now()
        pop, popleft = heapq.heappop, run.popleft
        while True:
            if run and (not heap or run[0] < heap[0]):
                if run[0][0] > now:
                    break
                due, seq, handle = popleft()
            elif heap and heap[0][0] <= now:
                due, seq, handle = pop(heap)
            else:
                break
            message = handle._message
            if message is CANCELLED:
                self._dead -= 1
            elif due != handle._due:  # left by `move`, or its timer was started again later
                again = handle._again()
                if again is None:
                    self._dead -= 1
                else:
                    self._file(again)
            elif handle._interval is not None:
                handle._repeat(now, seq)
            elif type(handle) is TimerHandle:
                # A one-shot system timer, delivered here: this loop is the hot path of firing.
                target = handle._target
                handle._message = handle._target = CANCELLED  # a handle kept holds no actor
                self.pending -= 1  # all that `_ended` does for a system timer
                try:
                    if type(target) is not ActorRef or not target._cell.mailbox.offer(message):
                        target.tell(message)  # a refusal says why, or a pool routes it
                except BaseException as error:  # a pool's `hash_key` may raise anything
                    undelivered(self.dead_letters, message, target, error)
            elif handle._sent is not None:  # type: ignore[attr-defined]
                # An actor's own one-shot timer started again for this same time (the seq
                # of that start, `ActorTimer._sent`): filed behind the timers scheduled since.
                self._file((due, handle._sent, handle))  # type: ignore[attr-defined]
                handle._sent = None  # type: ignore[attr-defined]
            else:  # an actor's own one-shot timer, which queues its tick itself
                handle._message = CANCELLED
                handle._send(handle._target, message)
                handle._ended()
        if run or heap:
            self._arm(min(run[0][0] if run else math.inf, heap[0][0] if heap else math.inf))

    def close(self) -> None:
        """The system shut down: its pending timers end, so their handles say so and let go
        of their targets, and nothing stays armed on the clock."""
        if self._entry is not None:
            self._entry.cancel()
            self._entry = None
        self._armed = math.inf
        for _, _, handle in [*self._run, *self._heap]:
            handle.cancel()
        self._run.clear()
        self._heap.clear()
        self._dead = 0
        self.epoch += 1

    def __len__(self) -> int:
        return len(self._heap) + len(self._run) - self._dead


def _lost(cell: Cell, interval: float | None) -> Reason | None:
    """Why a timer to this local actor could deliver nothing, if so: stopped, or its stop
    began (it handles nothing more: a tell now is a dead letter `stopping` at its close). A
    periodic one, not to one that drains (`Record.drain`) either: its ticks, coming faster
    than it handles them, would keep its queue from emptying. A single tick cannot, so a
    one-off is armed, and handled if it comes before the drain ends."""
    if cell.closed:
        return "stopped"
    if cell.mailbox.final or (interval is not None and cell.draining):
        return "stopping"
    return None


def _live(
    entry: tuple[float, int, TimerHandle],
    seen: set[TimerHandle],
    again: list[tuple[float, int, TimerHandle]],
) -> bool:
    """Whether a compaction keeps `entry`: its timer's, not ended, and not left by `move`. A
    timer moved away and back has two entries for one due time: one is kept. A timer started
    again and not filed yet is filed now, in `again`, for the heap."""
    handle = entry[2]
    if handle._message is CANCELLED or handle in seen:
        return False
    filing = handle._again()
    if filing is not None:
        seen.add(handle)
        again.append(filing)
        return False
    if entry[0] != handle._due:
        return False
    seen.add(handle)
    return True
