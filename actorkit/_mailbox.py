"""The mailbox: an actor's queue, its room rule and its accounting, in one place.

A `deque` plus one waiter future that exists only while the receive loop is parked: putting
a message is a room check, an append and, when parked, one wake-up. The receive loop is the
single consumer: it pops from `queue`, and only when that is empty does it park (set
`waiter`), so a busy actor pays no future and no loop round trip per message. Control
signals (stop, restart, failure reports) wait in `signals`, which the loop checks between
messages, so control never waits behind user traffic.

One rule decides whether there is room: nobody is waiting for room, and the queued messages plus
the places granted to waiting senders are below capacity. `relimit` folds it into one number,
`limit`, whenever an input changes (rarely: a sender starts or stops waiting, a place is granted
or taken, a message is withdrawn or swept out, the mailbox closes), so every put checks one
comparison, `len(queue) < limit`, or none while an unbounded mailbox is open: its `limit` is
then `UNBOUNDED` itself. Waiting senders (`send`, and an `ask` that found the mailbox full) are
admitted strictly in arrival order; a granted place is taken by the sender itself when it wakes,
as `asyncio.Queue.put` does: a sender cancelled in that loop turn delivers nothing, and its
place passes on.

Accounting: `accepted == processed + crashed + dead_lettered + len(self)` (+1 while a
message is being handled). Every verb that moves a message in or out keeps it exact, so
nothing accepted is ever lost silently. A message that leaves unhandled but is not lost (a
task its sender takes back, the tick of a timer that ended) leaves `accepted` as well. A
withdrawn one (`_withdraw`) leaves the count at once and the queue later: `len(self)`, the
room rule and every verb that takes messages out discount `withdrawn`.
"""

from __future__ import annotations

import asyncio
import sys
from collections import OrderedDict, deque
from typing import TYPE_CHECKING, Any, Protocol

from ._envelope import TICK, Ask, refuse, undelivered
from ._withdraw import take_out

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._dead_letters import DeadLetters, Reason
    from ._signals import Signal


class Waiter(Protocol):
    """What parks in `Mailbox.waiter`: the receive loop's future, or a dormant cell, which
    makes its task when "woken" (`Cell.set_result`): an idle actor costs no task or future."""

    def done(self) -> bool: ...
    def set_result(self, result: None, /) -> None: ...


# The receive loop yields once every this many messages it handles (counted across wake-ups
# in `left`), so one busy actor whose handler never awaits cannot starve the others.
BATCH = 128
UNBOUNDED = sys.maxsize  # the capacity of a mailbox without a bound
_GRANTED, _CLOSED, _GAVE_UP = 1, 2, 3  # what a waiting sender's future resolves to


class HotMailbox:
    """What a put and a handling read: apart, to share a cache line, as `HotRecord`'s do."""

    __slots__ = ("accepted", "blocked", "left", "limit", "queue", "waiter")


class Mailbox(HotMailbox):
    __slots__ = (
        "capacity",
        "closed",
        "crashed",
        "dead_lettered",
        "folded",
        "granted",
        "reserved",
        "signals",
        "withdrawn",
    )

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.limit = capacity
        self.queue: deque[Any] = deque()
        self.signals: list[Signal] = []
        self.waiter: Waiter | None = None
        self.blocked: OrderedDict[asyncio.Future[int], asyncio.Future[Any] | None] | None = None
        """Senders waiting for room, in arrival order, each with its ask's future (None for a
        `send`), which a close answers (`release`). An ordered dict, not a deque: one that
        gives up (its timeout, its cancellation) leaves from anywhere in the line at O(1), so
        thousands timing out at once cost each what one does. None once empty: an emptied
        dict keeps the table it grew to, sized for the longest line the mailbox ever had."""
        self.reserved = 0  # places granted to waiting senders that have not taken them yet
        # The asks among those, by place: outside until they take it, a close answers them
        self.granted: dict[asyncio.Future[int], asyncio.Future[Any]] | None = None
        self.closed = False
        self.accepted = self.folded = self.crashed = self.dead_lettered = 0
        self.left = BATCH
        self.withdrawn: dict[int, Any] | None = None  # by id: queued, but out of the count

    @property
    def processed(self) -> int:
        """The receive loop counts down `left` and folds it into `folded` when it runs out."""
        return self.folded + BATCH - self.left

    def __len__(self) -> int:
        withdrawn = self.withdrawn
        return len(self.queue) - len(withdrawn) if withdrawn else len(self.queue)

    # --- putting --------------------------------------------------------------------------
    def relimit(self) -> None:
        if self.blocked or self.closed:
            self.limit = 0
        elif self.capacity == UNBOUNDED:
            self.limit = UNBOUNDED  # itself: `offer` skips the comparison
        else:  # withdrawn messages, still in the queue, take no place
            self.limit = self.capacity - self.reserved + len(self.withdrawn or ())

    def offer(self, message: Any) -> bool:
        """Put now if there is room (and the mailbox is open); False otherwise. `ActorRef.tell`,
        `.send` and `.ask` write this out (a frame is 8% of a tell, 7% of a send, 380
        instructions of an ask), and `_router.publish` its common case: change all five."""
        queue = self.queue
        limit = self.limit
        if limit is not UNBOUNDED and len(queue) >= limit:
            return False
        self.accepted += 1
        queue.append(message)
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)
        return True

    def force(self, message: Any) -> bool:
        """Put regardless of the bound: runtime messages (`Terminated`, tasks, a pool's
        hand-over) must not be refused. False when the mailbox is closed. A task handed to a
        busy agent (`_tasks._handover`) writes out its common case: change both."""
        if self.closed:
            return False
        self.accepted += 1
        self.queue.append(message)
        self.wake()
        return True

    async def put(self, message: Any, give_up: asyncio.Future[Any] | None = None) -> bool:
        """Wait for room, then put: True once queued, False if the mailbox closed or `give_up`
        (an ask's deadline) finished first, even as it was granted a place. A wait given up or
        cancelled leaves nothing behind, passes its place on and wakes the consumer (a drain).
        Only for a sender that `offer` (or its written-out copy) just refused, in the same
        step: with room, a wait here would be granted only once a message leaves the queue."""
        if self.closed:
            return False
        room: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        if self.blocked is None:
            self.blocked = OrderedDict()
        self.blocked[room] = give_up
        self.limit = 0
        if give_up is not None:
            give_up.add_done_callback(lambda _: self._withdraw(room))
        try:
            outcome = await room
        except asyncio.CancelledError:
            if room.done() and not room.cancelled() and room.result() == _GRANTED:
                self._taken(room)
                self.admit()
                self.wake()
            else:
                self._withdraw(room)
            raise
        if outcome != _GRANTED:
            return False
        self._taken(room)
        if give_up is not None and give_up.done():
            self.admit()
            self.wake()
            return False
        self.relimit()
        return self.force(message)

    def _withdraw(self, room: asyncio.Future[int]) -> None:
        """A waiting sender gave up before being granted: it leaves the line."""
        if room.done() and not room.cancelled():
            return  # granted, closed, or withdrawn already: no longer in the line
        if not room.done():
            room.set_result(_GAVE_UP)
        blocked = self.blocked
        if blocked:
            blocked.pop(room, None)
            if not blocked:
                self.blocked = None
        self.relimit()

    def admit(self) -> None:
        """Grant freed room to waiting senders, in arrival order."""
        blocked = self.blocked
        if blocked:
            queued = len(self.queue) - len(self.withdrawn) if self.withdrawn else len(self.queue)
            while blocked and queued + self.reserved < self.capacity:
                room, ask = blocked.popitem(last=False)
                if not room.done():
                    room.set_result(_GRANTED)
                    self.reserved += 1
                    if ask is not None:
                        self.granted = self.granted or {}
                        self.granted[room] = ask
            if not blocked:
                self.blocked = None
        self.relimit()

    def _taken(self, room: asyncio.Future[int]) -> None:
        """The sender granted `room` took its place, or gave it up: it holds none now."""
        self.reserved -= 1
        if self.granted and self.granted.pop(room, None) is not None and not self.granted:
            self.granted = None

    def release(self, stopped: str | None = None) -> None:
        """Send the waiting senders away unplaced: at a close, and as a pool member's stop
        begins (`Record.hand_back`), whose asks must not wait out its `on_stop` here. With
        `stopped` (the closing actor's path), their asks and those granted a place not taken
        yet are answered now: a deadline due before their askers run would answer them, though
        the close came first (api.md §9). A pool's member leaves them to its pool to route."""
        blocked, self.blocked = self.blocked, None
        unplaced: list[asyncio.Future[Any] | None] = [*(self.granted or {}).values()]
        for room, ask in (blocked or {}).items():
            if not room.done():
                room.set_result(_CLOSED)
                unplaced.append(ask)
        if stopped is not None:
            for ask in unplaced:
                if ask is not None and not ask.done():
                    ask.set_exception(undelivered(stopped))
        self.relimit()

    # --- control --------------------------------------------------------------------------
    def post(self, signal: Signal) -> None:
        if self.closed:  # nobody will carry it out (a `self.stop()` from a task left running):
            signal.abandon()  # it ends now, as those queued at the close did, not piled up
            return
        self.signals.append(signal)
        self.wake()

    def wake(self) -> None:
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)

    @property
    def parked(self) -> bool:
        return self.waiter is not None and not self.queue and not self.signals

    @property
    def load(self) -> int:
        """Queued messages (withdrawn ones are none), doubled, plus one while busy: an idle
        actor wins a tie."""
        withdrawn = self.withdrawn
        queued = len(self.queue) - len(withdrawn) if withdrawn else len(self.queue)
        return 2 * queued + (0 if self.waiter is not None else 1)

    # --- taking out -----------------------------------------------------------------------
    def hand_over(self, keep: Callable[[Any], bool]) -> list[Any]:
        """Remove and return, in order, the queued messages `keep` rejects: no longer ours."""
        return take_out(self, lambda message: not keep(message))

    def close(self, path: str, why: Reason, dead: DeadLetters, *, answer: bool = False) -> None:
        """Refuse from now on and reject everything queued: asks fail, tasks go back to their
        sender and ticks end with their timers (lost by nobody, both leave `accepted`), the
        rest become dead letters; waiting senders learn that their message was not delivered
        (`release`, which answers their asks at once with `answer`). A dead letter reaching
        this same mailbox (a `>` subscriber) is refused.
        `Record.close` writes out the refusal (`closed`, `limit`) for a mailbox with nothing
        queued, waiting, blocked or granted, without this call: a change here goes there too."""
        if self.closed:
            return
        self.closed = True
        self.limit = 0  # from here on `offer` and `force` refuse, so the queue holds still
        queue = self.queue
        withdrawn, self.withdrawn = self.withdrawn, None
        if queue:
            lost: list[Any] = []
            keep = lost.append
            for message in queue:
                if withdrawn and id(message) in withdrawn:
                    continue  # out of the count already, and for nobody
                if type(message) is not Ask:
                    keep(message)
                elif message.timeout != TICK and refuse(message, path):
                    keep(message.message)
                else:  # a tick, a task taken back, the runtime's own request
                    self.accepted -= 1
            queue.clear()
            self.dead_lettered += len(lost)
            dead.add_all(lost, path, why)
        self.release(path if answer else None)
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)  # the loop sees `closed` and returns
