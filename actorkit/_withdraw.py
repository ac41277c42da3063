"""Withdrawing a queued runtime message (a timer's tick, a `Terminated`) at a constant cost.

A message is withdrawn when what it announces ended (its timer was cancelled, its watch
undone): it leaves at once as if never accepted, but a `deque` cannot lose an element in the
middle without a scan, and a scan per withdrawal is quadratic for an actor cancelling the
timeouts of thousands of requests whose ticks queued while it was busy. So the message leaves
the accounting at once and the queue later: it is noted in `Mailbox.withdrawn`, which
`Mailbox.__len__`, the room rule (`relimit`, `admit`), `close` and `hand_over` discount, and
only the receive loop could still reach it. The loop handles at most `Mailbox.left` messages
before it next yields (the countdown to its yield), so the head of the queue up to that many
messages still to be handled is all it can reach: `sweep` removes the withdrawn ones from
there, a constant cost, each time that reach can have changed: when a withdrawal is noted (the
`SWEEP` signal, which the loop runs before its next message, as every signal), when the
countdown restarts (the loop calls `sweep` there, once per batch, never per message), and when
a message left the head without counting down (a handler failed, a cut, a task taken back).

To withdraw a message one must know it is still queued, again without a scan: its envelope's
future is a seal (`Sealing`), which the receive loop asks whether it is done once it handled the
message, as it asks an ask's future; so does whatever ends a message in hand (a forced stop, a
cut) or a queued `Terminated` (`close`, after which nothing is withdrawn). The seal answers
that it is (nobody is to be answered) and notes that the message is gone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from ._envelope import Ask, ask_envelope
from ._signals import Signal

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._cell import Cell
    from ._mailbox import Mailbox


class Sealing(Protocol):
    """The future of a withdrawable message's envelope: `queued` until asked whether it is
    done (it was handled, or ended in hand or at a close) or withdrawn. A `Seal`, a
    `NewsSeal`, or a one-shot actor timer for its only tick (`_actor_timers`), so that a
    tick allocates none."""

    @property
    def queued(self) -> bool: ...

    def done(self) -> bool: ...


class Seal:
    """A message's own `Sealing`."""

    __slots__ = ("queued",)

    def __init__(self) -> None:
        self.queued = True

    def done(self) -> bool:
        self.queued = False
        return True


class NewsSeal:
    """A `Terminated`'s seal, which leaves its watcher's book of queued news (`Cell.news`)
    with its message: a watcher keeps no stopped actor's ref once it heard of it. No
    `__init__`, as `Ask` has none: `_watch._tell`, once per watcher of every watched stop,
    fills its slots itself."""

    __slots__ = ("book", "key", "queued")

    queued: bool
    book: dict[Any, Ask]
    key: object

    def done(self) -> bool:
        self.queued = False
        queued = self.book.get(self.key)
        seal: object = None if queued is None else queued.future
        if seal is self:  # not a later `Terminated` of the same actor (a watch again)
            del self.book[self.key]
        return True


sealed: Callable[[object, Sealing, str, float], Ask] = ask_envelope  # type: ignore[assignment]
"""The envelope of a withdrawable message, `kind` its `timeout` (`TICK`, `NEWS`): an `Ask`'s
itself (a seal is asked `done`, as a future is), so that a tick costs no call more."""


def unhandled(envelope: Ask) -> bool:
    """Whether its seal says the message may still be queued (or is in hand)."""
    seal: Any = envelope.future
    return bool(seal.queued)


def withdraw(cell: Cell, envelope: Ask) -> bool:
    """Withdraw this envelope's message unless it left the queue (handled, in hand, closed):
    whether it was still queued."""
    seal: Any = envelope.future
    mailbox = cell.mailbox
    if not seal.queued or mailbox.closed or cell.handling is envelope:
        return False
    seal.done()  # out of the news book, if any
    withdrawn = mailbox.withdrawn
    if withdrawn is None:
        mailbox.withdrawn = withdrawn = {}
    withdrawn[id(envelope)] = envelope  # held: no other object takes its id meanwhile
    mailbox.accepted -= 1
    mailbox.admit()  # its place is free: for a waiting sender, else in `limit`
    resweep(mailbox)
    return True


def resweep(mailbox: Mailbox) -> None:
    """Sweep before the loop's next message: withdrawn messages may be within its reach."""
    if mailbox.withdrawn and SWEEP not in mailbox.signals:
        mailbox.post(SWEEP)


def sweep(mailbox: Mailbox) -> None:
    """Remove the withdrawn messages from the head of the queue up to `left` messages to
    handle, all the loop can reach before it calls this again: a cost bounded by `BATCH`
    plus the messages removed."""
    withdrawn = mailbox.withdrawn
    if not withdrawn:
        return
    queue = mailbox.queue
    reach = mailbox.left
    kept: list[Any] = []
    while queue and len(kept) < reach:
        message = queue.popleft()
        if withdrawn.pop(id(message), None) is None:
            kept.append(message)
    queue.extendleft(reversed(kept))
    mailbox.relimit()


def take_out(mailbox: Mailbox, leaves: Callable[[Any], bool]) -> list[Any]:
    """Remove and return, in order, the queued messages `leaves` picks: unhandled but not
    lost, they leave `accepted`, and their places are free for waiting senders. Withdrawn
    ones leave the queue too, but are not taken: they left the count already."""
    queue = mailbox.queue
    withdrawn = mailbox.withdrawn
    if withdrawn:
        unwithdrawn = [message for message in queue if id(message) not in withdrawn]
        queue.clear()  # in place: the receive loop holds this deque
        queue.extend(unwithdrawn)
        withdrawn.clear()
        mailbox.relimit()
    taken = [message for message in queue if leaves(message)]
    if taken:
        kept = [message for message in queue if not leaves(message)]
        queue.clear()
        queue.extend(kept)
        mailbox.accepted -= len(taken)
        if mailbox.blocked:
            mailbox.admit()
    return taken


def take_back(mailbox: Mailbox, message: Any) -> bool:
    """Remove a message not yet handled: its sender has it again, so it is not lost. By
    identity: `deque.remove` compares with `==`, which a queued message may answer with True
    for anything (`mock.ANY`) or an exception (a numpy array)."""
    queue = mailbox.queue
    for i, queued in enumerate(queue):
        if queued is message:
            del queue[i]
            mailbox.accepted -= 1
            if mailbox.blocked:  # its place is free for a waiting sender
                mailbox.admit()
            resweep(mailbox)  # the messages behind it came one nearer the loop
            return True
    return False


class Sweep(Signal):
    """Posted when a message is withdrawn (`resweep`): one instance serves every cell."""

    async def run(self, cell: Cell) -> None:
        sweep(cell.mailbox)


SWEEP = Sweep()
