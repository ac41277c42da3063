"""The one envelope on the hot path. A tell carries the bare message; only an ask needs to
carry its reply future, so only an ask allocates this small slotted record.

The task layer sends its tasks in the same envelope with `timeout` 0 (`TAKEN_BACK`): tasks
have deadlines, not ask timeouts, and an undelivered task is not lost but requeued by its
sender, so the cell answers it with `NotDelivered` and does not record a dead letter
(`refuse`: the fate of an undelivered ask, one at a time in `reject` or a closing queue's).

An actor's own timers queue their ticks in it too, with `timeout` `TICK`, and death watch its
`Terminated` (`NEWS`), with a seal (`_withdraw.Sealing`) as the future, which says it is
done, so nobody is answered: the envelope gives the message an identity by which it is
withdrawn when its timer ends or its watch is undone (`_withdraw`).

What becomes of a message no actor will handle, enveloped or not (`reject`), is here too:
the mailbox's close, the ask waiting for room that it sends away, the pool and the task
layer that route one again decide it alike."""

from __future__ import annotations

import asyncio
import contextvars
import itertools
from typing import TYPE_CHECKING

from ._errors import NotDelivered

if TYPE_CHECKING:
    from ._cell import Cell
    from ._dead_letters import DeadLetters, Reason

TAKEN_BACK = 0.0
"""The `timeout` of an envelope whose sender takes it back when it cannot be delivered."""

TICK = -1.0
"""The `timeout` of an actor timer's tick, which no ask has: withdrawn, never a dead letter,
when its timer ends (`_actor_timers`)."""

NEWS = -2.0
"""The `timeout` of a `Terminated`'s envelope: withdrawn at an `unwatch`, and a child's at its
watcher's restart (`_watch`), a dead letter as any tell if its watcher stops first."""

CONTROL = -3.0
"""The `timeout` of the runtime's own request to an actor (a pool's `Resize`), whose caller
bounds its wait itself: never a dead letter, since no message a user sent is lost. The caller
hears why it was not carried out (`NotDelivered` unbegun, `ActorStopped` cut in hand by a
forced stop), and it leaves the actor's `accepted` count, as a task taken back does."""


HANDED_ON: object = object()
"""What a handler returns for an ask it passed on whole, future and all (a pool forwarding it
to a member, which answers it): the receive loop leaves the asker's future alone. The handler
is then free for its next message at once, rather than awaiting a reply that may itself wait
for that handler (a member failing, awaiting its pool's decision)."""


class Ask:
    """No `__init__`: `Ask()` then makes one a third cheaper than `object.__new__(Ask)` does
    (400 instructions of a sequential ask), and the hot paths (`ActorRef.ask`,
    `_nats._reply`, the task layer's `_tasks._handover`, death watch's `_watch._tell`) fill
    its slots in one by one; the rest call `ask_envelope`. A field added here is added there
    too."""

    __slots__ = ("future", "message", "started", "target", "timeout")

    message: object
    future: asyncio.Future[object]
    target: str
    timeout: float
    started: float | None
    """`perf_counter()` when the ask was made, if its class is timed (metrics on)."""


def ask_envelope(
    message: object,
    future: asyncio.Future[object],
    target: str,
    timeout: float,
    started: float | None = None,
) -> Ask:
    envelope = Ask()
    envelope.message = message
    envelope.future = future
    envelope.target = target
    envelope.timeout = timeout
    envelope.started = started
    return envelope


NOT_ACTING: frozenset[int] = frozenset()

acting: contextvars.ContextVar[frozenset[int]] = contextvars.ContextVar(
    "actorkit_acting", default=NOT_ACTING
)
"""The marks (`Cell.mark`) of the pool members on whose behalf the running task acts: a
member's own, added as its task starts (a member's only), and so inherited by every task its
handlers start (`asyncio.gather`, `create_task` copy the context) and by every actor they
spawn, whose task starts in a copy of that context. The member may be awaiting any of them (a
task, a child's `on_start` or its ask), so their asks and sends are routed past it
(`PoolRef.ask`, `past_a_full_sender`), as its own handler's are: it could answer only once
that handler returned. A member of a pool that a member spawned acts for both.
Marks, not cells: the contexts that timers and callbacks copy must not keep a stopped actor
alive. Nor `id()`s: a cell made where a stopped member was has its id, and what that member
spawned, outliving it, would be routed past the new member for good."""

_marks = itertools.count(1)  # 0, every cell's until it is marked, is in no set


def mark_acting(cell: Cell) -> None:
    """In the context `cell`'s task runs in, as it starts (`_receive.run`) or before a restart
    makes the new instance in it (`_restart_steps.start_in_place`, for a member never woken
    yet): `cell`'s mark added to `acting`, if it is a pool's member. A context variable set
    costs 2% of a spawn, so only there."""
    parent = cell.parent
    if parent is not None and parent in cell.runtime.heirs:
        mark = cell.mark
        if not mark:  # a member's first task, or its first instance made in place
            mark = cell.mark = next(_marks)
        marked = acting.get()
        if mark not in marked:
            acting.set(marked | {mark})


class _GivenUp:
    """The future of an ask whose asker has its answer already (a timeout, a failure) or
    left (cancelled), in an envelope that may still be queued. It says it is done, as the
    future did, so the reply or failure set when the actor gets to it goes nowhere; and the
    asker's own future, whose exception's traceback holds the asker's frames and everything
    they hold, is not kept alive by the mailbox until then."""

    __slots__ = ()

    def done(self) -> bool:
        return True

    def cancelled(self) -> bool:
        return False


GIVEN_UP: asyncio.Future[object] = _GivenUp()  # type: ignore[assignment]  # its done() part


def reject(ask: Ask, path: str, why: Reason, dead: DeadLetters) -> None:
    """An undelivered ask's fate: it fails, and its message is a dead letter unless `refuse`
    says otherwise."""
    if refuse(ask, path):
        dead.add(ask.message, path, why)


def refuse(ask: Ask, path: str) -> bool:
    """An undelivered ask fails (`NotDelivered`); whether its message is a dead letter: not
    if its sender takes it back (a task, requeued) or it is the runtime's own (`CONTROL`)."""
    if not ask.future.done():
        ask.future.set_exception(undelivered(path))
    return ask.timeout != TAKEN_BACK and ask.timeout != CONTROL


def undelivered(path: str) -> NotDelivered:
    """What the asker of an ask that `path` never began hears of its stop."""
    return NotDelivered(f"{path} stopped before handling the ask")
