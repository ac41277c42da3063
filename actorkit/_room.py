"""Room in a mailbox: the rule that says whether a message goes in now, the put, and the
senders waiting in line for room.

One rule decides whether there is room: nobody is waiting for room, and the queued messages plus
the places granted to waiting senders are below capacity. `relimit` folds it into one number,
`limit`, whenever an input changes (rarely: a sender starts or stops waiting, a place is granted
or taken, a message is withdrawn or swept out, the mailbox closes), so every put checks one
comparison, `len(queue) < limit`, or none while an unbounded mailbox is open: its `limit` is
then `UNBOUNDED` itself. Waiting senders (`send`, and an `ask` that found the mailbox full) are
admitted strictly in arrival order; a granted place is taken by the sender itself when it wakes,
as `asyncio.Queue.put` does: a sender cancelled in that loop turn delivers nothing, and its
place passes on.
"""

from __future__ import annotations

import asyncio
import sys
from collections import OrderedDict, deque
from typing import Any, Protocol

from ._envelope import undelivered
from ._errors import MailboxFull


class Waiter(Protocol):
    """What parks in `Mailbox.waiter`: the receive loop's future, or a dormant cell, which
    makes its task when "woken" (`Cell.set_result`): an idle actor costs no task or future."""

    def done(self) -> bool: ...
    def set_result(self, result: None, /) -> None: ...


UNBOUNDED = sys.maxsize  # the capacity of a mailbox without a bound
_GRANTED, _CLOSED, _GAVE_UP = 1, 2, 3  # what a waiting sender's future resolves to


def full_for_tell(path: str, room: Room) -> MailboxFull:
    """Why a `tell` found no room: a full queue, or senders in line for room it may not pass
    (`line_up`), which a full queue's count alone would not explain."""
    capacity = room.capacity
    places = f"{capacity:,} message{'' if capacity == 1 else 's'}"
    if room.blocked or room.granted:
        return MailboxFull(
            f"mailbox of {path} has senders waiting for room ({places}), and a tell may not "
            "pass them: use `await ref.send(msg)` to wait in line, or spawn with a larger "
            "mailbox_size"
        )
    return MailboxFull(
        f"mailbox of {path} is full ({places}); use `await ref.send(msg)` to wait for room, "
        "or spawn with a larger mailbox_size"
    )


class HotMailbox:
    """What a put and a handling read: apart, to share a cache line, as `HotRecord`'s do."""

    __slots__ = ("accepted", "blocked", "left", "limit", "queue", "waiter")


class Room(HotMailbox):
    """The room part of `Mailbox`, whose `__init__` sets every slot."""

    __slots__ = ("capacity", "closed", "final", "granted", "reserved", "withdrawn")

    queue: deque[Any]
    waiter: Waiter | None
    limit: int
    accepted: int
    left: int
    capacity: int
    closed: bool
    final: bool
    """Its actor's stop has begun (`seal`): nobody waits for room from then on."""
    blocked: OrderedDict[asyncio.Future[int], asyncio.Future[Any] | None] | None
    """Senders waiting for room, in arrival order, each with its ask's future (None for a
    `send`), which a close answers (`release`). An ordered dict, not a deque: one that gives
    up (its timeout, its cancellation) leaves from anywhere in the line at O(1), so thousands
    timing out at once cost each what one does. None once empty: an emptied dict keeps the
    table it grew to, sized for the longest line the mailbox ever had."""
    reserved: int
    """Places granted to waiting senders that have not taken them yet."""
    granted: dict[asyncio.Future[int], asyncio.Future[Any]] | None
    """The asks among those, by place: outside until they take it. `release` takes their
    places back (a pool member's stop routes them again), and a close answers them."""
    withdrawn: dict[int, Any] | None
    """By id: queued, but out of the count (`_withdraw`)."""

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
        instructions of an ask), and `_router.publish` its common case; `has_room` is its
        test alone: change all six."""
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

    @property
    def has_room(self) -> bool:
        """Whether `offer` would take a message now (a broadcast pool's count of a copy)."""
        return self.limit is UNBOUNDED or len(self.queue) < self.limit

    def force(self, message: Any) -> bool:
        """Put regardless of the bound: runtime messages (`Terminated`, tasks, a pool's
        hand-over) must not be refused. False when the mailbox is closed. A task handed to a
        busy agent (`_tasks._handover`) writes out its common case: change both."""
        if self.closed:
            return False
        self.accepted += 1
        self.queue.append(message)
        waiter = self.waiter  # `wake`, written out: every granted `put` ends here
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)
        return True

    async def put(self, message: Any, give_up: asyncio.Future[Any] | None = None) -> bool:
        """Wait for room, then put: True once queued, False if the mailbox closed (or its stop
        began: `seal`) or `give_up` (an ask's deadline) finished first, even as it was granted
        a place. A wait given up or cancelled leaves nothing behind, passes its place on and
        wakes the consumer (a drain).
        Only for a sender that `offer` (or its written-out copy) just refused, in the same
        step: with room, a wait here would be granted only once a message leaves the queue.
        `ActorRef.send` writes it out over the same steps (`line_up`, `abandon`, `take`): this
        coroutine would be a fourth frame for every wake-up of a waiting sender to resume,
        after the receive loop's, the handler's and the send's."""
        room = self.line_up(give_up)
        if room is None:
            return False
        try:
            outcome = await room
        except asyncio.CancelledError:
            self.abandon(room)
            raise
        return self.take(room, outcome, message, give_up)

    def line_up(self, give_up: asyncio.Future[Any] | None = None) -> asyncio.Future[int] | None:
        """A waiting sender's first step: its place in the line, a future that resolves to
        the outcome `take` reads; None if the mailbox is closed or sealed. Its awaiter must call
        `abandon` if cancelled, `take` once resumed."""
        if self.closed or self.final:
            return None
        room: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        if self.blocked is None:
            self.blocked = OrderedDict()
        self.blocked[room] = give_up
        self.limit = 0
        if give_up is not None:
            give_up.add_done_callback(lambda _: self._withdraw(room))
        return room

    def abandon(self, room: asyncio.Future[int]) -> None:
        """The sender waiting on `room` was cancelled: it leaves the line, or, granted a
        place in the turn it was cancelled, gives that place to the next in line."""
        if room.done() and not room.cancelled() and room.result() == _GRANTED:
            self._taken(room)
            self.admit()
            self.wake()
        else:
            self._withdraw(room)

    @staticmethod
    def let_in(outcome: int) -> bool:
        """Whether a waiting sender resumed with a place granted: one `take` would put."""
        return outcome == _GRANTED

    def take(
        self,
        room: asyncio.Future[int],
        outcome: int,
        message: Any,
        give_up: asyncio.Future[Any] | None = None,
    ) -> bool:
        """A waiting sender's last step, as it resumes with `room`'s outcome: the place
        granted is taken, by the sender itself, unless `give_up` finished first or, for an
        ask, `release` took the place back (it is no longer in `granted`)."""
        if outcome != _GRANTED:
            return False
        # `_taken` and `relimit`, written out: this runs for every message of a bounded fan-in
        self.reserved -= 1
        if give_up is not None:
            granted = self.granted
            taken_back = granted is None or granted.pop(room, None) is None
            if granted is not None and not granted:
                self.granted = None
            if taken_back or give_up.done():
                self.admit()
                self.wake()
                return False
        if not self.blocked and not self.closed:  # else `limit` stays 0
            capacity = self.capacity
            self.limit = (
                capacity
                if capacity == UNBOUNDED
                else capacity - self.reserved + len(self.withdrawn or ())
            )
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
                if not room.done():  # `grant`, written out: a call is 3% of a waiting send
                    room.set_result(_GRANTED)
                    self.reserved += 1
                    if ask is not None:
                        self.granted = self.granted or {}
                        self.granted[room] = ask
            if blocked:  # still a line: `limit` stays 0, as it is while anyone waits
                return
            self.blocked = None
        self.relimit()

    def grant(self, room: asyncio.Future[int], ask: asyncio.Future[Any] | None) -> None:
        """Give the sender waiting on `room`, out of the line now, its place (`admit` writes
        this out)."""
        room.set_result(_GRANTED)
        self.reserved += 1
        if ask is not None:
            self.granted = self.granted or {}
            self.granted[room] = ask

    def _taken(self, room: asyncio.Future[int]) -> None:
        """The sender granted `room` took its place, or gave it up: it holds none now."""
        self.reserved -= 1
        if self.granted and self.granted.pop(room, None) is not None and not self.granted:
            self.granted = None

    def release(self, stopped: str | None = None) -> None:
        """Send the waiting senders away unplaced, and the asks granted a place they have
        not taken (`take` finds them out of `granted`): at a close, and as a pool member's stop
        begins (`Record.hand_back`), whose asks must not wait out its `on_stop` here. With
        `stopped` (the closing actor's path), those asks are answered now: a deadline due before
        their askers run would answer them, though the close came first (api.md §9). A pool's
        member leaves them to its pool to route. A `send` granted a place keeps it."""
        blocked, self.blocked = self.blocked, None
        unplaced: list[asyncio.Future[Any] | None] = [*(self.granted or {}).values()]
        self.granted = None
        for room, ask in (blocked or {}).items():
            if not room.done():
                room.set_result(_CLOSED)
                unplaced.append(ask)
        if stopped is not None:
            for ask in unplaced:
                if ask is not None and not ask.done():
                    ask.set_exception(undelivered(stopped))
        self.relimit()

    def seal(self, stopped: str) -> None:
        """Its actor's stop began: it handles nothing more, so no room comes before its close,
        and a sender waiting for that would hold any stop that waits on the sender (a child's
        handler sending to its stopping parent, which stops its children first: for ever).
        The line is sent away now, as the close would (`release`), and nobody lines up
        from here on: what they send is the close's dead letter now, or its `NotDelivered`."""
        self.final = True
        if self.blocked or self.granted:
            self.release(stopped)

    def wake(self) -> None:
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)
