"""Control signals: what a cell is told to do between user messages.

Each signal is run in the receiving cell's own task and carries out one lifecycle transition
(`_lifecycle`); a sender that must know when it is done awaits `cell.call(signal)`. A failing
child's report to its parent, `ChildFailed`, lives with the supervision that handles it
(`_supervise`); a restart's second half and the plan that starts the children again
(`StartInstance`, `StartPlan`), with the restart's steps (`_restart_steps`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._cell import Cell


class Signal:
    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done: asyncio.Future[None] | None = None

    async def run(self, cell: Cell) -> None:
        """Answered once carried out; if `apply` raises, the receive loop answers it once the
        cleanup after that failure is done: who waits on it (a supervisor stopping the actor
        for a restart) waits for the instance's end, its `on_stop` included, as for any stop."""
        await self.apply(cell)
        self.finish()

    async def apply(self, cell: Cell) -> None:
        """Carry the signal out; a signal that only marks something overrides nothing."""

    def abandon(self) -> None:
        """The cell closed with this signal still queued."""
        self.finish()

    def answer_failed(self, cell: Cell) -> None:
        """`run` raised, and the cleanup after that failure is done (`_receive.run`)."""
        self.finish()

    def finish(self) -> None:
        done = self.done
        if done is not None and not done.done():
            done.set_result(None)


class Stop(Signal):
    """Stop for good. `drain` (shutdown) handles queued messages first."""

    __slots__ = ("drain", "reason")

    def __init__(self, reason: BaseException | None, *, drain: bool = False) -> None:
        self.done: asyncio.Future[None] | None = None  # `Signal.__init__`, without its call
        self.reason: BaseException | None = reason
        self.drain: bool = drain

    async def run(self, cell: Cell) -> None:
        # The waiter is answered when the cell has closed, not when this signal returns.
        done = self.done
        if done is not None:  # `Cell.add_stop_waiter`, written out
            if cell.stop_waiters is None:
                cell.stop_waiters = [done]
            else:
                cell.stop_waiters.append(done)
        if self.drain:
            await cell.stop(self.reason, drain=True)
        else:  # `Lifecycle.stop`'s own end, without its coroutine: each stop from outside
            await cell.finalize(self.reason)  # of an actor with an `on_stop` comes this way

    def answer_failed(self, cell: Cell) -> None:
        """A stop its supervisor cut (past its shutdown time) is ended by the `Cut`, in the
        cell's fresh task: the cell's close answers it then, not its unwinding now."""
        if cell not in cell.runtime.cuts:
            self.finish()


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
    """A supervisor's resume. Nobody awaits it, so one instance serves every cell (`RESUME`),
    and it is carried out without `apply`'s coroutine."""

    async def run(self, cell: Cell) -> None:
        cell.resume()


RESUME = Resume()


class StopInstance(Signal):
    """First half of a restart: children, timers and `on_stop` of the current instance."""

    async def apply(self, cell: Cell) -> None:
        await cell.stop_instance()
