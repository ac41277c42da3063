"""A restart's steps: the synchronous ones (with `Lifecycle.begin_restart` and
`Lifecycle.restarted`, the transitions), shared by its two halves run in the child's own task
(`Lifecycle.stop_instance`, `Lifecycle.start_instance`) and by the same halves carried out in
place by the supervisor, and the plan that starts the children again (`StartPlan`).

A child with nothing of the user's to run in its own task is restarted in place: parked or
dormant (never mid-message), with nothing queued, no children and no `on_stop` (its
timers end with its instance either way), or the failed child parked after its failure
with no children and no `on_stop`, its instance just ends; with no `on_start` of its
class's, its new instance is just made.
Either half is then a few assignments, where a round trip into the child's task (a signal,
its future, two task switches) costs as much again as the restart itself: a `one_for_all`
restart of idle workers pays it twice per child. Any other child keeps the round trip, at
its place in the order (stops in reverse start order, starts in start order), so what is
observed is the same either way: the child's task stays parked, and a message that arrives
meanwhile waits for the new instance, which the wake-up after its start hands it to.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ._actor import Actor
from ._envelope import mark_acting
from ._failure import as_failure
from ._instruments import IN_ON_START
from ._signals import Signal
from ._spawn import _ACTOR_NEW, make_instance
from ._state import RESTARTING, RUNNING, SUSPENDED
from ._watch import withdraw_children_news

if TYPE_CHECKING:
    from ._cell import Cell
    from ._clock import Cancellable


NOT_STARTED = float("inf")
"""`Cell.restarted_at` of a child whose restart is decided and not yet made: its backoff's
quiet window (`_supervise._restart`) runs from the start a `StartPlan` makes, whenever that
comes, and a failure to make it is no time in that window."""


def instance_ended(cell: Cell) -> None:
    """What the ended instance leaves: the `Terminated` of its children still queued, the
    timers its `on_stop` started and, as in OTP, a supervisor's restart history (a restarted
    supervisor starts with a clean slate)."""
    withdraw_children_news(cell)
    if cell.timers_ is not None:
        cell.timers_.end_all()
    if cell.intensity is not None:
        cell.intensity.drop_delayed()
        cell.intensity = None


def renew(cell: Cell) -> Actor:
    """The new instance, from the factory. Timers armed since its predecessor's stop, by a
    task that one left running (during the backoff), are not the new one's."""
    if cell.timers_ is not None:
        cell.timers_.end_all()
    instance = cell.instance = make_instance(cell)
    return instance


async def start_failed(cell: Cell, error: BaseException, *, called: bool = False) -> None:
    """As at the first start: an instance whose `on_start` never finished gets no `on_stop`
    and is never resumed, and what it began (timers, children) ends; the failure goes to the
    supervisor, or, once the program exits, stops the child. `called`: only the factory ran,
    outside the child's task (`as_failure`)."""
    hook = "on_start" if cell.release_instance() is not None else "the factory"
    failure = as_failure(error, f"{hook} of {cell.display_path}", cell.runtime, called=called)
    cell.stop_reason = failure  # what its watchers hear, should a forced stop close it now
    try:
        await cell.stop_children()
    except asyncio.CancelledError:  # a forced stop cut the cleanup: nobody decides, but the
        cell.undecided_failure(failure, IN_ON_START, "none (already stopped)")  # failure counts
        raise
    if cell.runtime.exiting is not None:  # the program exits: nothing is restarted
        cell.stop_failed(failure, IN_ON_START)
    else:
        cell.report(failure, IN_ON_START)


def stop_in_place(cell: Cell, bound: float | None) -> bool:
    """The first half of `cell`'s restart, if nothing of it runs in its task: an idle child
    (`idle_leaf`) or the failed one (`failed_and_parked`); with a `bound` of 0 (OTP's
    `brutal_kill`), every child is cut, idle or not (`_cut`)."""
    if bound == 0 or not (cell.idle_leaf or failed_and_parked(cell)):
        return False
    cell.begin_restart()
    cell.release_instance()
    instance_ended(cell)
    return True


def failed_and_parked(cell: Cell) -> bool:
    """A child that reported its failure and whose task then parked (`_receive`), its
    handler, signal or start over: with no children and no `on_stop` (or no instance left,
    an `on_start` that failed), the round trip's stop (`Lifecycle.stop_instance`) would
    run nothing of the user's either. Unlike an idle child's, its queue is no bar: what
    waits there behind the failure waits for the new instance either way, its task parked
    until the start wakes it. Its timers end with its instance either way."""
    instance = cell.instance
    mailbox = cell.mailbox
    return (
        cell.state is SUSPENDED
        and mailbox.waiter is not None
        and not mailbox.signals
        and not cell.children
        and cell not in cell.runtime.cleaning_below
        and (instance is None or type(instance).on_stop is Actor.on_stop)
    )


def starts_in_place(cell: Cell) -> bool:
    """Whether the second half of `cell`'s restart has nothing to run in its task: parked or
    dormant with no signal ahead of it, and a factory that is a plain class (so is the new
    instance's) without `on_start`. Its cell holds the context its task runs in (one spawned
    dormant), for `__init__` to run in as it would in that task: a pool member's marks what
    it sends (`_envelope.acting`) for its pool to route around it, there as in its task."""
    factory = cell.factory
    mailbox = cell.mailbox
    return (
        cell.state is RESTARTING
        and mailbox.waiter is not None
        and not mailbox.signals
        and type(factory) is type
        and issubclass(factory, Actor)
        and factory.__new__ is _ACTOR_NEW
        and factory.on_start is Actor.on_start
        and getattr(cell, "context", None) is not None  # a slot set on a dormant cell only
    )


async def start_in_place(cell: Cell) -> bool:
    """The second half, where `starts_in_place`: the factory runs in the supervisor's task,
    in the child's context (the one its task runs in, not entered while it is parked), so
    `__init__` sees the context variables it would see there. The child's task, still
    parked, is woken for what was queued meanwhile, and for the stop a failure may leave
    (`stop_failed`). Whether it failed to start.

    Nothing `__init__` sends itself wakes it meanwhile: the wake-up of a dormant child makes
    its task in this context, which a task factory may enter at once (the eager one runs
    the first step there) and would find entered. It is woken after, outside it."""
    context = cell.context
    assert context is not None  # `starts_in_place`
    mailbox = cell.mailbox
    waiter, mailbox.waiter = mailbox.waiter, None
    try:
        context.run(_renew_in_its_context, cell)
    except BaseException as error:
        mailbox.waiter = waiter
        await start_failed(cell, error, called=True)
        if mailbox.signals:
            mailbox.wake()
        return failed_to_start(cell)
    mailbox.waiter = waiter
    cell.restarted()
    if mailbox.queue or mailbox.signals:
        mailbox.wake()
    return False


def close_unrestarted(cell: Cell, reason: BaseException | None) -> None:
    """A draining stop found it waiting out a restart's backoff. OTP restarts nothing to
    stop it, so its queue is not handled: it is dead-lettered `not_restarted`, told
    apart from `shutdown` (what a forced stop leaves). Its instance, children and
    timers went when the restart began; closing is all its stop has left to do. Its asks
    waiting for room are answered now, as `close` answers them; a pool's member (a
    leaver of a shrink) hands its asks back to its pool first, as `finalize` does."""
    runtime = cell.runtime
    cell.hand_back()
    answer = cell.parent not in runtime.heirs
    cell.mailbox.close(cell.path, "not_restarted", runtime.dead_letters, answer=answer)
    cell.close(reason)


def _renew_in_its_context(cell: Cell) -> Actor:
    """A member never woken yet (a sibling's `one_for_all` restart) has no task that marked
    its context (`mark_acting`): its new instance's `__init__` sees it marked all the same,
    as it would in the task its start in the round trip makes."""
    mark_acting(cell)
    return renew(cell)


def failed_to_start(cell: Cell) -> bool:
    """Read before the child's task runs on: a message queued during the restart may fail
    it at once, which is a failure of its own."""
    return cell.state is not RUNNING and not cell.closed


class StartInstance(Signal):
    """Second half of a restart, in the child's task: a fresh instance, then `on_start`."""

    __slots__ = ("failed",)

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    async def apply(self, cell: Cell) -> None:
        await cell.start_instance()
        self.failed = failed_to_start(cell)


class StartPlan(Signal):
    """Start restarted children in start order, after a backoff delay. A later restart that
    takes some of them over removes them from `plan`: they start with it, in its order.
    One that fails to start holds back those after it (they depend on it, OTP): they wait,
    as a plan of their own, behind its report to this supervisor, whose decision on it
    (most often a restart that takes them over) comes first."""

    __slots__ = ("open_from", "plan", "timer")

    def __init__(self, plan: list[Cell]) -> None:
        super().__init__()
        self.plan: list[Cell] = plan
        self.timer: Cancellable | None = None
        """The clock timer that posts this plan when its backoff ends."""
        self.open_from: int = 0
        """Every child of `plan` before it is closed: `starts_anyone` looks at each once."""

    def starts_anyone(self) -> bool:
        """Whether a child of the plan is still open (`apply` skips the closed ones). Closed
        children stay in `plan`, and each is looked at once however many close after it: the
        stop of n children waiting for this plan costs n, not n² (a copy of it per child)."""
        plan = self.plan
        index = self.open_from
        while index < len(plan) and plan[index].closed:
            index += 1
        self.open_from = index
        return index < len(plan)

    async def apply(self, cell: Cell) -> None:
        book = cell.intensity
        if book is not None and cell.state is SUSPENDED:
            # The supervisor escalated a failure and awaits its own parent's decision: these
            # children wait for it (a resume posts them again, a restart drops them). Still
            # in `delayed`, so that a restart meanwhile takes them over.
            book.parked.append(self)
            return
        if book is not None:
            book.run(self)
        if cell.unsupervised_children or cell.runtime.exiting is not None:
            # Stopping, or draining at shutdown: a supervisor that is stopping restarts
            # nothing (OTP); the stop that reaches these children ends them as they are.
            # So once the program exits (an `on_stop` of this restart may have raised it).
            return
        now = cell.runtime.clock.now()
        for index, child in enumerate(self.plan):
            if child.closed:
                continue
            if child.restarted_at == NOT_STARTED:
                child.restarted_at = now
            if starts_in_place(child):
                failed = await start_in_place(child)
            else:
                start = StartInstance()
                await child.call(start)
                failed = start.failed
            if failed and book is not None:
                after = self.plan[index + 1 :]
                if after:  # one_for_one restarts one child: nothing to hold back
                    rest = StartPlan(after)
                    book.wait(rest)
                    cell.post(rest)
                return
