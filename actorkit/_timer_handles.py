"""A pending timer's handle, filed in its system's `TimerQueue` (`_timers`): a system timer's
(`TimerHandle`), or an actor's own (`ActorTimer`, in its actor's `_actor_timers.Timers`).

Periodic timers do not drift: each due time is reckoned from the first one (`Grid`), as
`first + n * interval`, not summed tick by tick. A sum rounds the same way at every tick
and the errors add up: a 1 ms timer on a clock at 1e8 s would lose 2 µs a second, a tick
missed by each `ManualClock.advance(1.0)` there. The grid rides in the `_interval` slot,
so a one-shot timer pays nothing for it. When the system falls behind (a blocked loop, a
slow clock advance), missed ticks are coalesced into one delivery and the schedule
continues on the original grid.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

from ._protocols import KeptWhole
from ._ref import local_cell
from ._system_checks import check_thread
from ._undelivered_ticks import undelivered
from ._withdraw import unhandled

if TYPE_CHECKING:
    from collections.abc import Hashable

    from ._actor_timers import Timers
    from ._envelope import Ask
    from ._protocols import Ref
    from ._timers import TimerQueue


class Grid(NamedTuple):
    """A periodic timer's due times: `first + n * interval` for n = 0, 1, 2, ..."""

    first: float
    interval: float


CANCELLED: Any = object()
"""A handle's message once it has ended: fired for good or cancelled."""


class TimerHandle(KeptWhole):
    """A pending timer. `cancel()` is idempotent and returns whether it stopped anything.

    A system timer's message already sent is the target's, as with Akka's scheduler: its
    target may be a pool or a remote actor, where nothing can be withdrawn, so `cancel()`
    withdraws it from no mailbox. An actor's own timers (`Timers.cancel`) do withdraw it."""

    __slots__ = ("_due", "_interval", "_message", "_queue", "_target")

    def __init__(
        self, queue: TimerQueue, target: Ref, message: Any, due: float, interval: float | None
    ) -> None:
        self._queue = queue  # not via the target: a remote ref has no local cell
        self._target = target
        self._message = message
        self._due = due
        self._interval = None if interval is None else Grid(due, interval)

    @property
    def active(self) -> bool:
        return self._message is not CANCELLED

    def cancel(self) -> bool:
        if self._message is CANCELLED:
            return False  # nothing to change: answered from any thread
        # From another thread it would race the loop's firing. An actor's own timer (a
        # subclass) is cancelled by `self.timers`, on the loop, and pays no check.
        if type(self) is TimerHandle and (owner := self._queue.owner) is not None:
            check_thread(owner, "cancel", on="handle", args="")
        self._message = CANCELLED
        self._queue.cancelled(self)
        # Its heap entry may wait until due (or a compaction): keep no stopped actor alive.
        self._target = CANCELLED
        return True

    def __repr__(self) -> str:
        """What it is, as a `TaskHandle` or a ref shows itself: its target as that ref shows
        itself (local, a pool, remote), not its message, which may be large, nor, once ended,
        its target, which it has let go of."""
        grid = self._interval
        kind = "once" if grid is None else f"every {grid.interval!r}s"
        if self._message is CANCELLED:
            return f"<{type(self).__name__} {kind} ended>"
        return f"<{type(self).__name__} {kind} to {self._target!r} due={self._due!r}>"

    def _ended(self) -> None:
        """Bookkeeping when the timer stops for good; actor timers also leave their table."""
        self._queue.pending -= 1

    def _again(self) -> tuple[float, int, TimerHandle] | None:
        """The entry to file for a start again not filed yet, forgotten here: only an actor's
        own one-shot timer is started again in place (`Timers.start_once`)."""
        return None

    def _moved(self, due: float) -> None:
        """Due at `due` instead; a periodic timer's grid starts there, its interval kept."""
        self._due = due
        if (grid := self._interval) is not None:
            self._interval = Grid(due, grid.interval)

    def _repeat(self, now: float, seq: int) -> None:
        """Deliver a periodic tick and re-file the timer (one-shot timers are delivered by
        `TimerQueue.__call__` in place, without a call per timer)."""
        message = self._message
        target = self._target
        grid = self._interval
        assert grid is not None
        first, interval = grid
        # The first point on the grid after now: missed ticks coalesce into it (the firing
        # repeats only a timer due by now, so at least one interval on). The division may
        # round either way by a hair (due at 4.1, now 4.1, interval 0.1: 39.99999999999999),
        # so its neighbours are checked, lest a tick fire twice or not at all.
        nth = math.floor((now - first) / interval) + 1
        due = first + nth * interval
        if due <= now:
            due = first + (nth + 1) * interval
        elif nth > 1 and (earlier := first + (nth - 1) * interval) > now:
            due = earlier
        if due <= now:
            # The interval is below the float step at `now` (1e-14 s at 1000 s) and adds
            # nothing: the tick would be due again at once, a second in this instant, or
            # The firing would spin on it forever, holding the loop.
            due = math.nextafter(now, math.inf)
        self._due = due
        self._queue.push(self, seq)  # its place among timers due at the same instant
        cell = local_cell(target)  # None for a remote ref, or a user's own `Ref`
        if cell is not None and (cell.draining or cell.mailbox.final):
            # Its stop began: a tick would only be a dead letter. Its own system ended this
            # timer then (`TimerQueue.follow`); one of another system's ends here, unsent.
            self.cancel()
            return
        self._send(target, message)
        if cell is not None and not target.is_alive:
            # A local target stopped before this timer could follow it (`TimerQueue.follow`).
            # A remote ref's `is_alive` says only whether NATS is connected: its tick waits in
            # the transport's buffer, and the timer must outlast the outage. Nor is a user's
            # own `Ref` asked: its `is_alive` may raise, out of the firing of every timer due.
            self.cancel()

    def _send(self, target: Ref, message: Any) -> None:
        """Deliver one tick (an actor's own timer queues it in an envelope instead,
        `_actor_timers`); a failure is recorded here, as there is no caller to raise it to."""
        try:
            target.tell(message)
        except BaseException as error:  # a pool's `hash_key` may raise anything
            undelivered(self._queue.dead_letters, message, target, error)


class ActorTimer(TimerHandle):
    """An actor's own timer, which leaves the actor's key table when it ends, and keeps the
    envelopes of the ticks it queued that may still be (`_sent`): the envelope itself while
    there is one, as there is at most for a one-shot timer, else a list, oldest first.

    A one-shot timer is its only tick's seal (`Sealing`), which saves a tick an allocation:
    the tick is queued while the timer keeps its envelope, as `done` and `queued` say. No
    slot of its own for that, which would take the timer to the next allocation size.

    Until it fires, a one-shot timer has no tick, and `_sent` holds instead the seq of a
    start again under its key (`Timers.start_once`) not filed yet: the timer took the new due
    time and message in place, and its entry in the queue, due no later, files it again when
    it comes up (`_again`, or `TimerQueue.__call__` itself when the due time is the same), under
    that seq, as a new timer started then would be filed. Ended before that (cancelled), it
    keeps the seq, which nothing reads: it queued no tick, so it is no tick's seal, and a
    start under any key may take it up again while its entry is filed (`Timers._spare`)."""

    __slots__ = ("_key", "_sent", "_timers")
    _key: Hashable
    _timers: Timers
    _sent: Ask | list[Ask] | int | None

    @property
    def queued(self) -> bool:
        return self._sent is not None

    def done(self) -> bool:
        self._sent = None
        return True

    def _queued(self) -> bool:
        """Whether a tick of it may still be queued; forgets those that left."""
        sent = self._sent
        if type(sent) is list:
            left = 0
            while left < len(sent) and not unhandled(sent[left]):
                left += 1
            del sent[:left]
            if sent:
                return True
        elif sent is not None and unhandled(sent):  # type: ignore[arg-type]
            return True
        self._sent = None
        return False

    def _keep(self, envelope: Ask) -> None:
        """Keep a tick's envelope after those that may still be queued (a periodic timer's:
        a one-shot timer's first is kept by `Timers._tick` itself, without a call)."""
        if not self._queued():
            self._sent = envelope
        elif type(sent := self._sent) is list:
            sent.append(envelope)
        else:
            self._sent = [sent, envelope]  # type: ignore[list-item]

    def _send(self, target: Ref, message: Any) -> None:
        self._timers._tick(self, message)

    def _again(self) -> tuple[float, int, TimerHandle] | None:
        seq = self._sent
        if type(seq) is not int:
            return None
        self._sent = None
        return (self._due, seq, self)

    def _ended(self) -> None:
        by_key = self._timers._by_key
        if by_key.get(self._key) is self:
            del by_key[self._key]
        self._timers = CANCELLED  # the table holds the actor's cell
        # Fired, it is its tick's seal: held there while handled, its ref would be a holder
        # when that tick stops the actor, which then keeps the ref (a cycle, `Record.close`).
        self._target = CANCELLED
        super()._ended()
