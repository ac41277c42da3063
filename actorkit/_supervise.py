"""Supervision carried out: a failing child reports to its parent with `ChildFailed`; the
parent decides (`_supervision.decide`) and carries the decision out by sending signals to its
children and awaiting each.

Supervision happens in the parent's task, so there is one owner per decision and one_for_all
/ rest_for_one ordering falls out naturally; suspended cells keep handling signals, so a
parent never deadlocks on a child that is waiting for it.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import TYPE_CHECKING

from ._cut import stop_child
from ._errors import SupervisorGaveUp
from ._failure import as_failure
from ._gave_up import gave_up_with
from ._instruments import ESCALATED, GAVE_UP, NoMessage
from ._intensity import Intensity
from ._restart_steps import NOT_STARTED, StartPlan, failed_and_parked, stop_in_place
from ._signals import RESUME, Signal, Stop, StopInstance
from ._state import RESTARTING
from ._supervision import Decision, check_strategy, decide
from ._when_due import call_when_due

if TYPE_CHECKING:
    from ._cell import Cell
    from ._supervision import Strategy


class ChildFailed(Signal):
    """A child's report to its parent: it failed with `error`, or stopped itself (None).
    `traceback` is the one `error` left its actor with, taken before its asker could re-raise
    it: given for an escalation (the child's report kept it), else the error's own now."""

    __slots__ = ("child", "error", "incarnation", "message", "traceback")

    def __init__(
        self,
        child: Cell,
        incarnation: int,
        error: BaseException | None,
        message: object,
        traceback: TracebackType | None = None,
    ) -> None:
        self.done = None  # `Signal.__init__`, without its call
        self.child = child
        self.incarnation = incarnation
        self.error = error
        self.message = message
        self.traceback = traceback or (None if error is None else error.__traceback__)

    async def run(self, cell: Cell) -> None:
        # `Signal.run` with `apply` written out: a coroutine less for every failure. Nobody
        # awaits a report (`Lifecycle.report` posts it), so there is no `done` to answer.
        await supervise(cell, self)

    def abandon(self) -> None:
        self.log("none (its supervisor stopped first)")
        self.finish()

    def log(self, outcome: str) -> None:
        """Where no decision is taken, the failure still happened: it is logged and counted
        once, with what came of it."""
        if self.error is not None:
            self.child.runtime.instruments.failure(
                self.child, self.error, self.message, outcome, self.traceback
            )


async def supervise(parent: Cell, report: ChildFailed) -> None:
    child, error = report.child, report.error
    if (
        child.closed
        or child.incarnation != report.incarnation
        or child.parent is not parent
        or child.state is RESTARTING
    ):
        # Stale: the child was stopped or restarted since it reported, or a restart decided
        # on an earlier report is under way (a backoff delays the new incarnation): a second
        # report of that incarnation, an escalation that reached it while suspended, must not
        # count as another failure.
        report.log("none (stopped or restarted already)")
        return
    if parent.unsupervised_children:
        report.log("stop (its supervisor is stopping)")
        await child.call(Stop(error))
        return
    if parent.runtime.exiting is None:  # once the program exits, nothing is restarted
        strategy = _strategy_of(parent)
        decision, resume_asked = _decide(parent, strategy, child, error)
    if parent.runtime.exiting is not None:  # the decider may have raised it: no escalation
        report.log("stop (shutting down)")
        await child.call(Stop(error))
        return
    if error is not None:
        outcome: str = decision
        if resume_asked and isinstance(error, SupervisorGaveUp) and decision in ("restart", "stop"):
            outcome = f"{decision} ({NOT_RESUMED})"
        parent.runtime.instruments.failure(child, error, report.message, outcome, report.traceback)
    if decision == "resume":
        child.mailbox.post(RESUME)
    elif decision == "stop":
        await _stop_failed(child, error, strategy.shutdown)
    elif decision == "escalate":
        assert error is not None  # a normal exit always maps to restart or stop
        try:
            await _stop_failed(child, error, strategy.shutdown)
        except asyncio.CancelledError:
            _failed_past_the_root(parent, error, report.traceback)
            raise
        fail(parent, error, ESCALATED, report.traceback)
    elif decision == "give_up":
        await _give_up(parent, strategy, report)
    else:
        await _restart(parent, strategy, child)


NOT_RESUMED = "a supervisor that gave up is not resumed: it stopped its children"


async def _stop_failed(child: Cell, error: BaseException | None, bound: float | None) -> None:
    """The failed child's stop for good. Parked after its failure with nothing of the
    user's to run (`failed_and_parked`), it is finalized here, as its task would finalize
    it (`Lifecycle.finalize` awaits nothing then), and closes as an idle child does in its
    parent's stop: an escalation 5 deep paid a round trip into each failed child's task.
    With a `bound` of 0 (OTP's `brutal_kill`), it is cut (`_cut`)."""
    if bound != 0 and failed_and_parked(child):
        await child.finalize(error)
    else:
        await stop_child(child, Stop(error), bound)


def _decide(
    parent: Cell, strategy: Strategy, child: Cell, error: BaseException | None
) -> tuple[Decision, bool]:
    """A supervisor that gave up has nothing to resume (as OTP's, it is done: its children
    are stopped, its restart history full), so a "resume" restarts it, as it does an actor
    whose instance is gone or whose state no longer matches its store (a durable one that lost
    a write conflict, or whose `apply` failed on stored events); its restart type and
    `parent`'s intensity still apply. Also whether the decider asked to resume, so that the
    crash report says why it was not, and only then."""
    if parent.intensity is None:
        parent.intensity = Intensity()
    instance = child.instance
    try:
        asked = None if error is None else strategy.directive(error)
        decision = decide(
            strategy,
            child.restart,
            error,
            has_instance=instance is not None
            and not isinstance(error, SupervisorGaveUp)
            and instance._resumable(),  # noqa: SLF001  # the runtime's own hook
            history=parent.intensity,
            now=parent.runtime.clock.now(),
            asked=asked,
        )
        return decision, asked == "resume"
    except BaseException as error:  # not only an `Exception`: a failure all the same
        what = f"decider of {parent.display_path}"
        decider_error = as_failure(error, what, parent.runtime, called=True)
        parent.runtime.log_internal(f"{what} failed", decider_error)
        return "escalate", False


async def _give_up(parent: Cell, strategy: Strategy, report: ChildFailed) -> None:
    child, error = report.child, report.error
    gave_up = gave_up_with(parent, strategy, child, error, report.traceback)
    try:
        await _stop_failed(child, error, strategy.shutdown)
        await parent.stop_children(within=strategy.shutdown)
    except asyncio.CancelledError:
        if parent.parent is None:  # the system fails of it all the same: an escalation
            parent.runtime.instruments.gave_up(parent)
        _failed_past_the_root(parent, gave_up, None)
        raise
    parent.runtime.instruments.gave_up(parent)
    fail(parent, gave_up, GAVE_UP, None)


def _failed_past_the_root(
    cell: Cell, error: BaseException, traceback: TracebackType | None
) -> None:
    """The root decided to fail, and a forced stop (a shutdown past its timeout, the end of
    the loop) cancelled it while it stopped its children: the system failed all the same,
    for `system.failure` and `async with` to report, as the decision was taken."""
    if cell.parent is None:
        cell.runtime.on_root_failure(error, traceback)


async def _restart(parent: Cell, strategy: Strategy, child: Cell) -> None:
    """Stop the affected children (reverse start order), then start them again in order,
    after the backoff delay. Those still waiting out an earlier restart's backoff (a
    rest_for_one sibling after this one) wait for this one instead: they depend on it.
    Each stop is waited for `strategy.shutdown` seconds at most, then cut (`_cut`); an idle
    child's, or the failed one's parked after its failure, is no wait (`stop_in_place`)."""
    plan = strategy.affected(parent.children.values(), child)
    bound = strategy.shutdown
    for sibling in reversed(plan):
        if sibling is not child and sibling.restart == "temporary":
            await stop_child(sibling, Stop(None), bound)
        elif not stop_in_place(sibling, bound):
            await stop_child(sibling, StopInstance(), bound)
    plan = [sibling for sibling in plan if not sibling.closed]
    clock = parent.runtime.clock
    now = clock.now()
    delay = 0.0
    if strategy.backoff is not None:
        # Quiet for a window since its last restart started it: the wait for that restart
        # is no such window, or no delay longer than `within` could ever grow (Akka too
        # counts its reset from the child's start).
        if now - child.restarted_at > strategy.within:
            child.consecutive_failures = 0
        child.consecutive_failures += 1
        delay = strategy.backoff.delay(child.consecutive_failures)
    # Not started yet: the plan that starts it (this one, a later restart's that takes it
    # over, or this one run late by a busy or suspended supervisor) sets the time.
    child.restarted_at = NOT_STARTED
    start = StartPlan(plan)
    book = parent.intensity
    assert book is not None  # `_decide` made it
    book.withdraw(plan)
    if delay > 0:
        book.wait(start)
        start.timer = call_when_due(clock, now + delay, lambda: parent.post(start))
    else:
        await start.apply(parent)


def fail(
    cell: Cell, error: BaseException, what: NoMessage, traceback: TracebackType | None
) -> None:
    """`cell` itself fails (`what`: an escalation or a give-up): report upwards, or fail the
    system; `traceback` as in `ChildFailed`."""
    if cell.parent is None:
        cell.runtime.on_root_failure(error, traceback)
    else:
        cell.report(error, what, traceback)


def _strategy_of(cell: Cell) -> Strategy:
    """The instance's `supervisor_strategy`, else its class's, else the system's default;
    the root's is the system's root strategy. The class's was checked at spawn; one that
    `__init__` set is checked here, and its error is the supervisor's failure."""
    if cell.parent is None:
        return cell.runtime.root_strategy
    found: Strategy | None = getattr(cell.instance, "supervisor_strategy", None)
    if found is None:
        found = getattr(cell.factory, "supervisor_strategy", None)
    if found is None:
        return cell.runtime.default_strategy
    check_strategy(found, f"supervisor_strategy of {cell.display_path}")
    return found
