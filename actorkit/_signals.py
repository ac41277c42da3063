"""Control signals: what a cell is told to do between user messages.

Each signal is run in the receiving cell's own task and carries out one lifecycle transition
(`_lifecycle`); a sender that must know when it is done awaits `cell.call(signal)`. A failing
child's report to its parent, `ChildFailed`, lives with the supervision that handles it
(`_supervise`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ._state import RUNNING, SUSPENDED

if TYPE_CHECKING:
    from ._cell import Cell
    from ._clock import Cancellable


class Signal:
    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done: asyncio.Future[None] | None = None

    async def run(self, cell: Cell) -> None:
        try:
            await self.apply(cell)
        finally:
            self.finish()

    async def apply(self, cell: Cell) -> None:
        """Carry the signal out; a signal that only marks something overrides nothing."""

    def abandon(self) -> None:
        """The cell closed with this signal still queued."""
        self.finish()

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
            cell.add_stop_waiter(self.done)
        await cell.stop(self.reason, drain=self.drain)


class Killed(Signal):
    """Marks a cell whose task was cancelled by a forced shutdown; the loop just ends."""


KILLED = Killed()


class SelfStop(Signal):
    """`self.stop()`: a normal exit; the parent restarts it only if `permanent`. Nobody
    awaits it, so one instance serves every cell (`SELF_STOP`)."""

    async def run(self, cell: Cell) -> None:
        await cell.stop_self()


SELF_STOP = SelfStop()


class Resume(Signal):
    async def apply(self, cell: Cell) -> None:
        cell.resume()


class StopInstance(Signal):
    """First half of a restart: children, timers and `on_stop` of the current instance."""

    async def apply(self, cell: Cell) -> None:
        await cell.stop_instance()


class StartInstance(Signal):
    """Second half of a restart: a fresh instance from the factory, then `on_start`."""

    __slots__ = ("failed",)

    def __init__(self) -> None:
        super().__init__()
        self.failed = False
        """Its `on_start` failed: read before the child's task runs on (a message queued
        during the restart may fail it at once, which is a failure of its own)."""

    async def apply(self, cell: Cell) -> None:
        await cell.start_instance()
        self.failed = cell.state is not RUNNING and not cell.closed


class StartPlan(Signal):
    """Start restarted children in start order, after a backoff delay. A later restart that
    takes some of them over removes them from `plan`: they start with it, in its order.
    One that fails to start holds back those after it (they depend on it, OTP): they wait,
    as a plan of their own, behind its report to this supervisor, whose decision on it
    (most often a restart that takes them over) comes first."""

    __slots__ = ("open_from", "plan", "timer")

    def __init__(self, plan: list[Cell]) -> None:
        super().__init__()
        self.plan = plan
        self.timer: Cancellable | None = None
        """The clock timer that posts this plan when its backoff ends."""
        self.open_from = 0
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
        for index, child in enumerate(self.plan):
            if child.closed:
                continue
            start = StartInstance()
            await child.call(start)
            if start.failed and book is not None:
                after = self.plan[index + 1 :]
                if after:  # one_for_one restarts one child: nothing to hold back
                    rest = StartPlan(after)
                    book.wait(rest)
                    cell.post(rest)
                return
