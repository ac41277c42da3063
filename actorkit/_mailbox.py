"""The mailbox: an actor's queue, its signals and its accounting, in one place.

A `deque` plus one waiter future that exists only while the receive loop is parked: putting
a message is a room check, an append and, when parked, one wake-up. The receive loop is the
single consumer: it pops from `queue`, and only when that is empty does it park (set
`waiter`), so a busy actor pays no future and no loop round trip per message. Control
signals (stop, restart, failure reports) wait in `signals`, which the loop checks between
messages, so control never waits behind user traffic.

Room, the put and the senders waiting for it are `Room`'s (`_room`).

Accounting: `accepted == processed + crashed + dead_lettered + len(self)` (+1 while a
message is being handled). Every verb that moves a message in or out keeps it exact, so
nothing accepted is ever lost silently. A message that leaves unhandled but is not lost (a
task its sender takes back, the tick of a timer that ended) leaves `accepted` as well. A
withdrawn one (`_withdraw`) leaves the count at once and the queue later: `len(self)`, the
room rule and every verb that takes messages out discount `withdrawn`.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from ._envelope import TICK, Ask, refuse
from ._room import Room
from ._withdraw import take_out

if TYPE_CHECKING:
    import asyncio
    from collections import OrderedDict
    from collections.abc import Callable

    from ._dead_letters import DeadLetters, Reason
    from ._room import Waiter
    from ._signals import Signal


# The receive loop yields once every this many messages it handles (counted across wake-ups
# in `left`), so one busy actor whose handler never awaits cannot starve the others.
BATCH = 128


class Mailbox(Room):
    __slots__ = ("crashed", "dead_lettered", "folded", "signals")

    # Declared again, though `Room` declares them: pyright takes an attribute that a subclass
    # assigns as the subclass's own, of its first assignment's type (`None`, `0`), unless the
    # subclass declares it, and `pyright --verifytypes` then finds the public surface ambiguous.
    queue: deque[Any]
    waiter: Waiter | None
    blocked: OrderedDict[asyncio.Future[int], asyncio.Future[Any] | None] | None
    granted: dict[asyncio.Future[int], asyncio.Future[Any]] | None
    withdrawn: dict[int, Any] | None
    limit: int
    closed: bool
    accepted: int
    folded: int
    crashed: int
    dead_lettered: int

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.limit = capacity
        self.queue = deque()
        self.signals: list[Signal] = []
        self.waiter = self.blocked = self.granted = self.withdrawn = None
        self.reserved = 0
        self.closed = self.final = False
        self.accepted = self.folded = self.crashed = self.dead_lettered = 0
        self.left = BATCH

    @property
    def processed(self) -> int:
        """The receive loop counts down `left` and folds it into `folded` when it runs out."""
        return self.folded + BATCH - self.left

    def __len__(self) -> int:
        withdrawn = self.withdrawn
        return len(self.queue) - len(withdrawn) if withdrawn else len(self.queue)

    # --- control --------------------------------------------------------------------------
    def post(self, signal: Signal) -> None:
        if self.closed:  # nobody will carry it out (a `self.stop()` from a task left running):
            signal.abandon()  # it ends now, as those queued at the close did, not piled up
            return
        self.signals.append(signal)
        waiter = self.waiter  # `wake`, written out: each stop, `self.stop()` included, posts
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

    def close_parked(self) -> None:
        """`close` of a mailbox with nothing queued, blocked or granted, whose loop is parked
        (or whose cell is dormant): the refusal and the wake-up, whose loop sees `closed` and
        returns; no reason and no dead letters to read (each per-request actor's stop)."""
        self.closed, self.limit, self.withdrawn = True, 0, None
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # --- taking out -----------------------------------------------------------------------
    def hand_over(self, keep: Callable[[Any], bool]) -> list[Any]:
        """Remove and return, in order, the queued messages `keep` rejects: no longer ours."""
        return take_out(self, lambda message: not keep(message))

    def close(self, path: str, why: Reason, dead: DeadLetters, *, answer: bool = False) -> None:
        """Refuse from now on and reject everything queued: asks fail, tasks go back to their
        sender and ticks end with their timers (lost by nobody, both leave `accepted`), the rest
        become dead letters; waiting senders learn that their message was not delivered (by
        `release`, which answers their asks at once with `answer`). A dead letter reaching this
        mailbox (a `>` subscriber) is refused. For a mailbox with nothing queued, blocked or
        granted, `Record.close` writes out the refusal or calls `close_parked`: change all
        three."""
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
        if self.blocked or self.granted:  # else `release` has nobody to send away
            self.release(path if answer else None)
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)  # the loop sees `closed` and returns
