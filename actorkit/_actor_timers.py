"""An actor's own timers (`self.timers`), by key, filed in the system's `TimerQueue`.

A timer that ended (cancelled, replaced by a timer with its key, or ended with its instance
at a restart or a stop) delivers nothing more, not even a tick already in the mailbox: Akka's
promise, and what lets a restarted instance never see a tick of the one it replaced. The
receive loop must not pay a check per message for it, so the tick carries its identity
instead: it is queued in an `Ask` envelope (`timeout` `TICK`) whose future is a seal
(`Sealing`): a `Seal`, or a one-shot timer itself, which queues one tick at most. The loop
hands `receive` the bare message, as for any ask, and answers nobody, since the seal says it
is done; forced stops and dead letters read the message out of it as they do an ask's.
Ending a timer withdraws its queued ticks (`_withdraw`), which each timer keeps (`_sent`):
they leave as if never accepted (the mailbox's `accepted` goes down, as for a task taken
back), not as dead letters, since nobody sent them and nobody is to receive them now. A tick
already being handled when a forced stop cuts in is a dead letter, as any message in hand is.

No scan of the queue: a seal tells whether its tick is still queued, so `cancel` costs the
same whatever is queued, and knows whether there was a tick to withdraw. A timer that ended
with a tick queued stays in `Timers._ticked` under its key until the tick is withdrawn or
left, for `cancel` to find.
"""

from __future__ import annotations

import reprlib
from typing import TYPE_CHECKING, Any

from ._envelope import TICK
from ._errors import ActorStopped
from ._seconds import FOREVER, check_delay, check_interval
from ._timer_handles import CANCELLED, ActorTimer
from ._undelivered_ticks import undelivered
from ._withdraw import Seal, sealed, withdraw

if TYPE_CHECKING:
    from collections.abc import Hashable

    from ._cell import Cell


def _unhashable(key: object) -> TypeError:
    """What a key no timer can have (a list) is told, by every method that takes a key: the
    bare `unhashable type` of a dict lookup names neither the timer nor what to pass."""
    return TypeError(
        "a timer key must be hashable (a str, or a tuple of them), got "
        f"{type(key).__name__} {reprlib.repr(key)}"
    )


class ReservedKey:
    """Base of the keys a layer above the kernel keeps among an actor's timers (a durable
    actor's reminders): no key of the user's is one, and `Timers.cancel_all` leaves them."""

    __slots__ = ()


class Timers:
    """An actor's own timers, by key. A new timer with a key replaces the old one; all of them
    end when the actor stops or restarts. A timer that ended delivers nothing more, not even
    a tick already queued, so a restarted instance never sees stale ticks."""

    __slots__ = ("_by_key", "_cell", "_spare", "_spare_epoch", "_spare_filed", "_ticked")

    def __init__(self, cell: Cell) -> None:
        self._cell = cell
        self._by_key: dict[Hashable, ActorTimer] = {}
        self._ticked: dict[Hashable, ActorTimer] = {}
        """By key, a timer that queued a tick which may still be queued (or in hand)."""
        self._spare: ActorTimer | None = None
        """The last one-shot timer cancelled before it fired, whose entry was filed in
        `_spare_epoch` of the queue for no earlier than `_spare_filed`: a request's timeout,
        cancelled by the reply and started again by the next request, takes it up in place
        (`start_once`), and stays the spare, so that its next cancel knows that bound."""
        self._spare_epoch = 0
        self._spare_filed = 0.0

    def start_once(self, key: Hashable, msg: Any, delay: float) -> None:
        """A live one-shot timer with this key, due no later than the new one, is started
        again in place (an idle timeout restarted by each message): it takes the new due time,
        message and place among timers due at the same instant, and its entry in the queue
        stays armed for the old time, where it is filed again. A few attribute writes, where
        replacing it costs a new timer, an entry, and the old one's cancellation."""
        if type(delay) is not float or not 0.0 <= delay < FOREVER:
            delay = check_delay(delay)
        try:
            handle = self._by_key.get(key)
        except TypeError:
            raise _unhashable(key) from None
        cell = self._cell
        if (
            type(handle) is ActorTimer
            and handle._interval is None
            and handle._message is not CANCELLED  # not firing (a dead letter's listener)
            # A pool member told to drain keeps its timers until its loop takes the stop, and
            # a start meanwhile arms nothing (`_start`): in place, this one would stay armed.
            and not (cell.draining or cell.closed)
        ):
            # Live, it queued no tick (`_ticked` holds none under its key): none to withdraw.
            queue = handle._queue
            due = queue.clock.now() + delay
            if due >= handle._due:
                handle._message = msg
                handle._due = due
                handle._sent = next(queue.sequence)
                return
        elif (
            handle is None
            and (spare := self._spare) is not None
            and spare._message is CANCELLED
            and key not in self._ticked  # else its tick is withdrawn first (`_start`)
            and not (cell.draining or cell.closed)
        ):
            # No timer under this key: the spare takes the start in place, as a live one does
            # above, if its entry is still filed (an entry is popped only once due, and no
            # earlier than `_spare_filed`; dropped before, by a compaction or a close, in
            # another epoch) and due no later than this start (as the spare was due no later).
            # A cancel and a start then cost no entry, and no compaction. Never due, it never
            # fired, so it is no tick's seal.
            queue = spare._queue
            now = queue.clock.now()
            due = now + delay
            if now < self._spare_filed and spare._due <= due and self._spare_epoch == queue.epoch:
                spare._key = key
                spare._timers = self
                spare._target = cell.ref_ or cell.ref
                spare._message = msg
                spare._due = due
                spare._sent = next(queue.sequence)
                self._by_key[key] = spare
                queue.pending += 1
                queue._dead -= 1  # its entry is live again
                return
        self._start(key, msg, delay, None)

    def start_every(
        self, key: Hashable, msg: Any, interval: float, initial_delay: float | None = None
    ) -> None:
        interval = check_interval(interval, once="use timers.start_once for a single message")
        first = interval if initial_delay is None else check_delay(initial_delay, "initial_delay")
        self._start(key, msg, first, interval)

    def _start(
        self,
        key: Hashable,
        message: Any,
        delay: float,
        interval: float | None,
        kind: type[ActorTimer] = ActorTimer,
    ) -> ActorTimer | None:
        """The new timer (`kind`), or None for an actor that drains."""
        try:
            replacing = key in self._by_key
        except TypeError:
            raise _unhashable(key) from None
        cell = self._cell
        if cell.closed:
            # From a task the actor left running, say: such a timer would keep the stopped
            # actor in memory and deliver only dead letters.
            raise ActorStopped(
                f"{cell.display_path} is stopped; its timer {reprlib.repr(key)} was not started"
            )
        if replacing or self._ticked:  # else nothing to cancel: spared the call
            self.cancel(key)
        if cell.draining:  # its stop began, and ended its timers (`Record.drain`): so this one
            return None
        queue = cell.runtime.timers
        ref = cell.ref_ or cell.ref  # the property's call only for a ref let go
        handle = kind(queue, ref, message, queue.clock.now() + delay, interval)
        handle._key = key
        handle._timers = self
        handle._sent = None
        self._by_key[key] = handle
        queue.pending += 1
        queue.push(handle)
        return handle

    def cancel(self, key: Hashable) -> bool:
        """End the timer with this key, and withdraw its tick if one is queued: whether there
        was either."""
        try:
            handle = self._by_key.get(key)
        except TypeError:
            raise _unhashable(key) from None
        if handle is None:
            stopped = False
        elif (
            type(handle) is ActorTimer
            and handle._interval is None
            and handle._message is not CANCELLED
            and (handle._sent is None or handle is self._spare)
        ):
            # A live one-shot timer: the spare. Filed for its own due time (not started again
            # in place since), its epoch is read before the compaction this cancel may make;
            # else it is the spare already, whose entry and bound are as they were. A request's
            # timeout is cancelled at each reply: `TimerHandle.cancel`, `TimerQueue.cancelled`
            # and `ActorTimer._ended` are written out.
            queue = handle._queue
            if handle._sent is None:
                self._spare, self._spare_epoch, self._spare_filed = handle, queue.epoch, handle._due
            handle._message = handle._timers = handle._target = CANCELLED
            del self._by_key[key]
            queue.pending -= 1
            queue._dead += 1
            queue._compact_if_mostly_dead()
            stopped = True
        else:  # periodic, guarded, started again in place, or ended: no bound to keep
            stopped = handle.cancel()
        if self._ticked:
            ticked = self._ticked.pop(key, None)
            # A tick in hand left the queue: a timer re-armed from its own tick (the commonest
            # case) has nothing to withdraw, and is spared the call.
            if ticked is not None and ticked._sent is not self._cell.handling:
                stopped = self._withdraw(ticked) or stopped
        return stopped

    def cancel_all(self) -> None:
        """End the actor's timers, but not those of a layer above (`ReservedKey`): a durable
        actor's reminder ends only by `reminders.cancel`, so `cancel_all` in a handler must not
        silence it until the next start."""
        for key, handle in list(self._by_key.items()):
            if not isinstance(key, ReservedKey):
                handle.cancel()
        for key in [key for key in self._ticked if not isinstance(key, ReservedKey)]:
            self._withdraw(self._ticked.pop(key))

    def end_all(self) -> None:
        """Every timer ends with its instance, reserved ones included (the layer that keeps
        them arms them again at the next start)."""
        for handle in list(self._by_key.values()):
            handle.cancel()
        ticked, self._ticked = self._ticked, {}
        for handle in ticked.values():
            self._withdraw(handle)

    def is_active(self, key: Hashable) -> bool:
        """Akka's `isTimerActive`: pending, or fired with its tick still queued (which it
        will deliver), but not once that tick is in hand. False there, a flush timer guarded
        by it was started again by each message queued ahead of its tick, which that start
        withdrew: under steady load the flush never came. What `cancel(key)` would answer."""
        try:
            if key in self._by_key:
                return True
        except TypeError:
            raise _unhashable(key) from None
        ticked = self._ticked.get(key) if self._ticked else None
        return ticked is not None and ticked._sent is not self._cell.handling and ticked._queued()

    def __len__(self) -> int:
        """The user's keys `is_active` holds: not a reminder's (`ReservedKey`), which the layer
        above keeps here and `cancel_all` leaves. A scan of the timers, not a count kept on
        every start and tick."""
        handling = self._cell.handling
        keys = {key for key in self._by_key if not isinstance(key, ReservedKey)}
        for key, ticked in self._ticked.items():
            in_hand = ticked._sent is handling
            if not (in_hand or isinstance(key, ReservedKey)) and ticked._queued():
                keys.add(key)
        return len(keys)

    def _tick(self, handle: ActorTimer, message: Any) -> None:
        """Queue a tick of `handle` in its envelope, which the handle keeps for a withdrawal."""
        cell = self._cell
        mailbox = cell.mailbox
        seal = handle if handle._interval is None else Seal()  # a one-shot timer's only tick
        envelope = sealed(message, seal, cell.path, TICK)
        if mailbox.offer(envelope):
            if handle._sent is None:
                handle._sent = envelope
            else:
                handle._keep(envelope)
            ticked = self._ticked
            ticked[handle._key] = handle
            if len(ticked) > 2 * len(mailbox.queue):
                self._forget_handled()
            return
        ref = cell.ref
        try:
            ref.tell(message)  # refused: a full mailbox raises, a stopped actor's is a letter
        except Exception as error:
            undelivered(handle._queue.dead_letters, message, ref, error)

    def _withdraw(self, handle: ActorTimer) -> bool:
        """Withdraw the ticks `handle` queued that are still queued: whether there was one."""
        sent = handle._sent
        if type(sent) is not list:  # not forgotten first: a one-shot timer is its tick's seal
            return sent is not None and withdraw(self._cell, sent)  # type: ignore[arg-type]
        handle._sent = None
        withdrew = False
        for envelope in sent:
            withdrew = withdraw(self._cell, envelope) or withdrew
        return withdrew

    def _forget_handled(self) -> None:
        """Keep in `_ticked` only the timers with a tick that may still be queued. Called when
        it holds more than twice as many timers as the mailbox holds messages, so at least
        half go: a constant cost per tick, amortized, and no growth from one-shot timers under
        ever new keys (a timeout per request) that fired and were handled."""
        self._ticked = {key: timer for key, timer in self._ticked.items() if timer._queued()}
