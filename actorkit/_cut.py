"""A supervisor's shutdown time (a strategy's `shutdown`, OTP's child spec `shutdown`): how
long it waits for a child instance it stops, and the cut past it.

A cut cancels the child's task, as a forced stop does, but the cell lives on: a restart
starts a new instance on it, its mailbox kept; a stop for good closes it. The cancellation is
taken back (`Task.uncancel`) where it ends up: by the receive loop it unwound, which hands the
cell to a fresh task (`carry_on`), or, when user code swallowed it, by the `Cut` signal put
at the head of the cell's signals. That signal ends the instance without `on_stop` (OTP runs
no `terminate` after a kill), its children stopped within the same bound. A task that
swallows the cancellation and never comes back to its loop would hold the mailbox for ever:
past `FORCED_STOP_GRACE` the cell is closed for good, and the task left running, as a forced
stop abandons one. A supervisor cut while it waits for its cut of a child stops that child
again within its own bound: a second cut, which carries what the first left undone. None of
this costs anything unless a bound was given and passed.

Its crash reports read the traceback as they are made (`Record.undecided_failure`), not
later as a supervisor's decision must (`ChildFailed.traceback`): each is made in the cut
actor's own task, and no asker holds the error to re-raise it first, as the asker is
answered with an error of its own (`Cut.error()`, built again for the report).
"""

from __future__ import annotations

import asyncio
import logging
from contextvars import Context, copy_context
from typing import TYPE_CHECKING

from ._awaited import subtree
from ._begun import begun
from ._envelope import Ask
from ._errors import ActorStopped
from ._instruments import IN_SIGNAL
from ._loop_timer import timeout as loop_timeout
from ._outside_stop import FORCED_STOP_GRACE, kill, waiting_for_its_task
from ._signals import Signal, Stop
from ._state import STOPPING
from ._watch import tell_held_news
from ._withdraw import resweep

if TYPE_CHECKING:
    from ._cell import Cell

logger = logging.getLogger("actorkit")


async def stop_child(cell: Cell, signal: Signal, bound: float | None) -> None:
    """`cell.call(signal)` for its supervisor (a `Stop`, or a restart's `StopInstance`),
    waiting for it `bound` seconds at most (None: as long as it takes), then cutting."""
    if bound is None:
        await cell.call(signal)
        return
    if bound > 0:  # 0 waits for nothing: not even an idle child's `on_stop` runs
        try:
            async with loop_timeout(bound):
                await cell.call(signal)
        except TimeoutError:
            pass
        done = signal.done  # cancelled with the wait, if that timed out
        if done is not None and done.done() and not done.cancelled():
            return
    signals = cell.mailbox.signals
    if signal in signals:  # not begun: the cut carries it out instead
        signals.remove(signal)
    await cut(cell, bound, signal)


class Cut(Signal):
    """The end of an instance cut by its supervisor, run first in the cell's task."""

    __slots__ = ("began", "bound", "cancelled", "cell", "ended", "for_good", "reason")

    def __init__(self, cell: Cell, bound: float, signal: Signal) -> None:
        super().__init__()
        loop = cell.runtime.loop
        self.done = self.ended = loop.create_future()
        self.began: asyncio.Future[None] = loop.create_future()
        """Answered once the cell's task came back to its loop: it let go of the handler."""
        self.cell = cell
        self.bound = bound
        # A stop for good already under way (one from outside running `on_stop`) wins over
        # the restart that cut it: its caller waits for the close, never for a new instance.
        self.for_good = isinstance(signal, Stop) or cell.state is STOPPING
        self.reason = signal.reason if isinstance(signal, Stop) else None
        self.cancelled = 0
        """The cancellations of its task that nobody took back yet: its own, and one an earlier
        cut of the same instance left there (`cut`)."""

    @property
    def outcome(self) -> str:
        return f"{'stop' if self.for_good else 'restart'} (cut by its supervisor's shutdown time)"

    def error(self) -> ActorStopped:
        return ActorStopped(
            f"{self.cell.display_path} was cut by its supervisor's shutdown time "
            f"({self.bound:g}s) while handling it"
        )

    async def apply(self, cell: Cell) -> None:
        self.began.set_result(None)  # first: `finish` (its other answer) comes after `apply`
        self.take_back()
        if self.for_good:
            await cell.finalize(self.reason, within=self.bound)
        else:
            await cell.stop_instance(within=self.bound)

    def take_back(self) -> None:
        """The cancellations were delivered and have done their work: the task runs on, and
        a pending one would turn its next `asyncio.timeout` into a cancellation."""
        task = asyncio.current_task()
        while self.cancelled:
            self.cancelled -= 1
            if task is not None and task.cancelling():
                task.uncancel()

    def finish(self) -> None:
        if not self.began.done():
            self.began.set_result(None)
        cuts = self.cell.runtime.cuts
        if cuts.get(self.cell) is self:
            del cuts[self.cell]
        super().finish()


async def cut(cell: Cell, bound: float, signal: Signal) -> None:
    """Cut the instance's work past `bound`; `signal` says whether it restarts or stops."""
    if cell.closed:
        return
    the_cut = Cut(cell, bound, signal)
    if bound or cell.mailbox.waiter is None:
        # A child parked (idle, after its failure, out of a backoff) or dormant, stopped at 0
        # (OTP's `brutal_kill`), ran past nothing: one line per idle worker of each restart
        # would say otherwise.
        logger.warning(
            "%s ran past its supervisor's shutdown time (%ss): its work is cut, and it %s",
            cell.display_path,
            bound,
            "stops" if the_cut.for_good else "restarts",
        )
    handling = cell.handling
    if type(handling) is Ask and not handling.future.done():
        handling.future.set_exception(the_cut.error())
    cell.release_instance()  # no `on_stop` after a cut, and its timers end now
    cuts = cell.runtime.cuts
    previous = cuts.get(cell)
    if previous is not None:  # its supervisor, cut waiting for it, stops the child again
        # Its cancellation is still on the task if the handler swallowed it: counted by no
        # cut, the task's unwinding would look like someone else's (`_cutting`).
        the_cut.cancelled, previous.cancelled = previous.cancelled, 0
    cuts[cell] = the_cut
    cell.mailbox.signals.insert(0, the_cut)
    task = cell.task
    if task is not None and not task.done() and begun(task):
        the_cut.cancelled += 1
        task.cancel()
    else:  # dormant (its first wake-up makes its task) or about to begin: the `Cut` is first
        cell.mailbox.wake()
    try:
        async with asyncio.timeout(FORCED_STOP_GRACE):
            await asyncio.shield(the_cut.began)
    except TimeoutError:
        if not the_cut.began.done():
            _abandon(cell, the_cut)
            return
    await waiting_for_its_task(cell, the_cut.ended)


def _cutting(cell: Cell) -> Cut | None:
    """The cut whose cancellation, and nothing else, is unwinding the cell's task: one
    cancelled by more than that (the end of `asyncio.run`) ends."""
    the_cut = cell.runtime.cuts.get(cell)
    if the_cut is None:
        return None
    task = asyncio.current_task()
    if task is not None and task.cancelling() > the_cut.cancelled:
        return None
    return the_cut


def carry_on(cell: Cell) -> bool:
    """The receive loop was unwound by a cancellation: whether it was a cut's, the cell to
    run on in a fresh task, the `Cut` first. The message in hand is the instance's failure."""
    the_cut = _cutting(cell)
    if the_cut is None:
        return False
    the_cut.take_back()
    _account(cell, the_cut)
    if cell.mailbox.waiter is not cell:  # parked when cut: that future is spent
        cell.mailbox.waiter = None
    return True


def cleanup_cut(cell: Cell, failure: BaseException) -> bool:
    """The cleanup after a failed control signal (`_signal_failure.signal_failed`) was unwound by
    a cut: the failure is the cut instance's, whose end the `Cut` carries out as its
    supervisor decided, in the task the cell goes on in (`carry_on`). Nobody decides on it,
    and the cell stays open: it did not fail to clean up, it was cut."""
    the_cut = _cutting(cell)
    if the_cut is None:
        return False
    cell.undecided_failure(failure, IN_SIGNAL, the_cut.outcome)
    return True


def failed_while_cut(cell: Cell, error: BaseException, message: object) -> bool:
    """A handler raised after a cut reached it (on the cancellation, or instead of it): a
    failure of the cut instance, whose end the `Cut` carries out, so nobody decides on it."""
    the_cut = cell.runtime.cuts.get(cell)
    if the_cut is None:
        return False
    cell.mailbox.crashed += 1
    resweep(cell.mailbox)  # its message left the queue without counting down the loop's reach
    cell.undecided_failure(error, message, the_cut.outcome)
    return True


def _account(cell: Cell, the_cut: Cut) -> None:
    """The message the instance was handling is its failure (its asker was answered at the
    cut), not a dead letter as a forced stop's is: the instance is what failed."""
    handling = cell.handling
    if handling is None:
        return
    cell.handling = None
    cell.mailbox.crashed += 1
    resweep(cell.mailbox)  # its message left the queue without counting down the loop's reach
    message = handling.message if type(handling) is Ask else handling
    cell.undecided_failure(the_cut.error(), message, the_cut.outcome)


def _abandon(cell: Cell, the_cut: Cut) -> None:
    logger.error(
        "%s ignored the cancellation of its supervisor's cut for %ss: it is stopped for good, "
        "its task left running",
        cell.display_path,
        FORCED_STOP_GRACE,
    )
    the_cut.for_good = True  # whatever the supervisor meant, this instance's end is a stop
    _account(cell, the_cut)
    kill(subtree(cell))
    tell_held_news(cell)  # its task holds on to the handler: no `on_stop` to wait for


def carried_context(cell: Cell) -> Context | None:
    """The context of the task a cut hands the cell to: a copy of this task's, as
    `create_task` makes one, kept by a cell that holds its task's (a slot of dormant-born
    cells only). Returned, never bound in `run`'s frame: a traceback through it (a failure
    a log handler keeps) keeps that frame's locals, and would keep the context alive."""
    if getattr(cell, "context", None) is None:
        return None
    context = cell.context = copy_context()
    return context
