"""Control signals and the supervision decisions they carry.

A failing child suspends itself and reports to its parent with `ChildFailed`; the parent's
strategy decides and the parent carries the decision out by sending `StopInstance` /
`StartInstance` / `Stop` / `Resume` to its children and awaiting each. Supervision happens in
the parent's task, so there is one owner per decision and one_for_all / rest_for_one ordering
falls out naturally; suspended cells keep handling signals, so a parent never deadlocks on a
child that is waiting for it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ._cell import RESTARTING, RUNNING, STOPPED, STOPPING, SUSPENDED, Cell, crash_report
from ._errors import SupervisorGaveUp
from ._supervision import Intensity

if TYPE_CHECKING:
    from collections.abc import Sequence


class Signal:
    """A control message, run by the receiving cell between user messages."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done: asyncio.Future[None] | None = None

    async def run(self, cell: Cell) -> None:
        try:
            await self.apply(cell)
        finally:
            self.finish()

    async def apply(self, cell: Cell) -> None:
        """Carry the signal out; runs in the receiving cell's own task."""

    def finish(self) -> None:
        done = self.done
        if done is not None and not done.done():
            done.set_result(None)


class Stop(Signal):
    """Stop for good. `drain` (shutdown) handles queued messages first."""

    __slots__ = ("drain", "reason")

    def __init__(self, reason: BaseException | None, *, drain: bool = False) -> None:
        super().__init__()
        self.reason = reason
        self.drain = drain

    async def run(self, cell: Cell) -> None:
        # The waiter is answered when the cell has closed, not when this signal returns.
        if self.done is not None:
            cell.stop_waiters.append(self.done)
        if cell.state in (STOPPING, STOPPED):
            return
        if self.drain and cell.state == RUNNING and cell.instance is not None:
            if not cell.draining:
                cell.draining = True
                await cell.stop_children(drain=True)
            return
        await cell.finalize(self.reason)


class _Killed(Signal):
    """Marks a cell whose task was cancelled by a forced shutdown; the loop just ends."""


KILLED = _Killed()


class SelfStop(Signal):
    """`self.stop()`: a normal exit; the parent restarts it only if `permanent`."""

    async def apply(self, cell: Cell) -> None:
        if cell.state != RUNNING:
            return
        parent = cell.parent
        if cell.draining or parent is None or parent.state in (STOPPING, STOPPED):
            await cell.finalize(None)
            return
        cell.state = SUSPENDED
        parent.post(ChildFailed(cell, cell.incarnation, None, None))


class Resume(Signal):
    async def apply(self, cell: Cell) -> None:
        if cell.state == SUSPENDED and cell.instance is not None:
            cell.state = RUNNING
            cell.system.instruments.resumed(cell)


class StopInstance(Signal):
    """First half of a restart: children, timers and `on_stop` of the current instance."""

    async def apply(self, cell: Cell) -> None:
        if cell.closed:
            return
        cell.state = RESTARTING
        await cell.stop_children()
        await cell.run_on_stop()
        cell.intensity = None  # as in OTP, a restarted supervisor starts with a clean slate


class StartInstance(Signal):
    """Second half of a restart: a fresh instance from the factory, then `on_start`."""

    async def apply(self, cell: Cell) -> None:
        if cell.state != RESTARTING:
            return
        try:
            cell.instance = cell.make_instance()
            await cell.instance.on_start()
        except Exception as error:
            cell.failures += 1
            cell.state = SUSPENDED
            assert cell.parent is not None
            cell.parent.post(ChildFailed(cell, cell.incarnation, error, None))
            return
        cell.state = RUNNING
        cell.restarts += 1
        cell.system.instruments.restarted(cell)


class StartPlan(Signal):
    """Start restarted children in start order, after a backoff delay."""

    __slots__ = ("plan",)

    def __init__(self, plan: Sequence[Cell]) -> None:
        super().__init__()
        self.plan = plan

    async def apply(self, cell: Cell) -> None:
        if cell.state in (STOPPING, STOPPED):
            return
        for child in self.plan:
            if not child.closed:
                await child.call(StartInstance())


class ChildFailed(Signal):
    """A child's report to its parent; handled by `supervise`."""

    __slots__ = ("child", "error", "incarnation", "message")

    def __init__(
        self, child: Cell, incarnation: int, error: BaseException | None, message: object
    ) -> None:
        super().__init__()
        self.child = child
        self.incarnation = incarnation
        self.error = error
        self.message = message

    async def apply(self, cell: Cell) -> None:
        await supervise(cell, self.child, self.incarnation, self.error, self.message)


async def supervise(
    parent: Cell, child: Cell, incarnation: int, error: BaseException | None, message: object
) -> None:
    if child.closed or child.incarnation != incarnation or child.parent is not parent:
        return  # stale: the child was restarted or stopped since it reported
    if parent.state in (STOPPING, STOPPED) or parent.draining:
        await child.call(Stop(error))
        return
    strategy = parent.strategy()
    if error is None:
        directive = "restart"
    else:
        try:
            directive = strategy.directive(error)
        except Exception as decider_error:
            parent.system.log_internal(f"decider of {parent.display_path} failed", decider_error)
            directive = "escalate"
        if directive == "resume" and child.instance is None:
            directive = "restart"  # nothing to resume: the failure was in starting it
    if directive == "restart" and (
        child.restart == "temporary" or (child.restart == "transient" and error is None)
    ):
        directive = "stop"
    instruments = parent.system.instruments
    if error is not None:
        crash_report(child, error, message, directive)
        instruments.failed(child, error)

    if directive == "resume":
        child.post(Resume())
        return
    if directive == "stop":
        await child.call(Stop(error))
        return
    if directive == "escalate":
        assert error is not None  # a normal exit always maps to restart or stop
        await child.call(Stop(error))
        fail(parent, error)
        return

    now = parent.system.clock.now()
    if parent.intensity is None:
        parent.intensity = Intensity()
    if not parent.intensity.allow(strategy, now):
        await child.call(Stop(error))
        await parent.stop_children()
        gave_up = SupervisorGaveUp(
            f"supervisor {parent.display_path} gave up: more than {strategy.max_restarts} "
            f"restarts within {strategy.within}s (last failure in {child.display_path}: "
            f"{error!r}); raise max_restarts/within or fix the failing child"
        )
        gave_up.__cause__ = error
        instruments.gave_up(parent)
        fail(parent, gave_up)
        return

    plan = strategy.affected(list(parent.children.values()), child)
    for sibling in reversed(plan):
        if sibling is not child and sibling.restart == "temporary":
            await sibling.call(Stop(None))
        else:
            await sibling.call(StopInstance())
    plan = [sibling for sibling in plan if not sibling.closed]

    delay = 0.0
    if strategy.backoff is not None:
        if now - child.last_failure > strategy.within:
            child.consecutive_failures = 0
        child.consecutive_failures += 1
        delay = strategy.backoff.delay(child.consecutive_failures)
    child.last_failure = now
    if delay > 0:
        start = StartPlan(plan)
        parent.system.clock.call_at(now + delay, lambda: parent.post(start))
    else:
        await StartPlan(plan).apply(parent)


def fail(cell: Cell, error: BaseException) -> None:
    """`cell` itself fails (escalation or give-up): report upwards, or fail the system."""
    parent = cell.parent
    if parent is None:
        cell.system.root_failed(error)
        return
    cell.failures += 1
    cell.state = SUSPENDED
    parent.post(ChildFailed(cell, cell.incarnation, error, None))
