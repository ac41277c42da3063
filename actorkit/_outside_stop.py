"""A stop asked from outside an actor's own task (`await ref.stop()`): it closes an idle leaf
at once, queues the stop without waiting when the caller runs inside the actor or below it,
joins a stop already queued, and otherwise waits for the actor to stop; given a timeout,
it forces the stop past it, as a shutdown does past its own."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ._signals import Stop

if TYPE_CHECKING:
    from ._cell import Cell

logger = logging.getLogger("actorkit")

FORCED_STOP_GRACE = 1.0
"""After a stop's or a shutdown's timeout, how long cancelled actors get to unwind before
being abandoned."""


async def stop_within(cell: Cell, timeout: float) -> None:
    """The orderly stop, forced past `timeout` seconds on the subtree still running: OTP's
    child `shutdown` time followed by a kill, for a handler that never returns (its stop
    would wait for ever), rather than leave the caller only the choice of giving up."""
    try:
        async with asyncio.timeout(timeout):
            await stop_from_outside(cell)
            return
    except TimeoutError:
        if cell.closed:  # it ended as the deadline passed
            return
    await force_stop(subtree(cell), f"stop of {cell.display_path}", f"exceeded {timeout}s")


async def stop_from_outside(cell: Cell) -> None:
    if cell.closed:
        return
    if cell.idle_leaf:
        # Dormant or parked (never mid-message) with nothing to run on its way out: closing
        # is the whole stop, as in `stop_children`. It wakes a parked task, whose last step
        # then runs first in the FIFO ready queue: one yield, and none of it runs on return.
        task = cell.task
        cell.close_without_hooks()
        if task is not None and not task.done():
            await asyncio.sleep(0)
            if not task.done():  # not expected: wait for it, without cancelling it
                await asyncio.shield(task)
        return
    if holds_current_task(cell):
        # Called from inside this actor or one below it: waiting for the stop would wait
        # on ourselves (the stop finishes after the current handler returns).
        cell.post(Stop(None))
        return
    if cell.mailbox.signals and any(type(s) is Stop for s in cell.mailbox.signals):
        await _join_stop(cell)
        return
    await cell.call(Stop(None))


def holds_current_task(top: Cell) -> bool:
    """Whether the running task is `top`'s, or that of an actor below it. A walk of the
    subtree, paid only by a stop from inside (whose own cost is the subtree's)."""
    task = asyncio.current_task()
    return task is not None and any(cell.task is task for cell in subtree(top))


def subtree(top: Cell) -> Iterator[Cell]:
    """`top` and every actor below it, in no particular order; a loop over a stack, not
    recursion, so any depth walks in constant stack."""
    cells = [top]
    while cells:
        cell = cells.pop()
        yield cell
        cells.extend(cell.children.values())


async def _join_stop(cell: Cell) -> None:
    """Wait for the stop already queued (asked for by a caller that may have given up
    waiting) instead of queueing one more: callers that retry a stop under a timeout while a
    long handler runs would otherwise pile up a stop each until it ends."""
    waiter = cell.runtime.loop.create_future()
    cell.add_stop_waiter(waiter)
    try:
        await waiter
    except asyncio.CancelledError:
        if cell.stop_waiters is not None and waiter in cell.stop_waiters:
            cell.stop_waiters.remove(waiter)
        raise


async def force_stop(cells: Iterable[Cell], what: str, why: str) -> None:
    """Close every cell now (their asks fail with `ActorStopped`, queued messages become dead
    letters), deepest first, then cancel their tasks and give them a grace to unwind; `what`
    (`shutdown of app`) and `why` (`exceeded 5.0s`) name the stop in the logs."""
    tasks = kill(cells)
    cancelled = ", ".join(cell.display_path for cell in tasks.values()) or "(none)"
    logger.warning("%s %s; cancelled: %s", what, why, cancelled)
    await unwound(tasks, what)


async def unwound(tasks: dict[asyncio.Task[None], Cell], what: str) -> None:
    """Wait for cancelled actors' tasks to end, within the grace; log those abandoned."""
    if tasks:
        _, pending = await asyncio.wait(tasks, timeout=FORCED_STOP_GRACE)
        if pending:
            logger.error(
                "%s abandoned actors that ignored cancellation: %s",
                what,
                ", ".join(tasks[task].display_path for task in pending),
            )


def kill(cells: Iterable[Cell]) -> dict[asyncio.Task[None], Cell]:
    """Close every cell now, deepest first, and cancel its task: the running ones, returned
    for the caller to give a grace to unwind."""
    live = sorted(cells, key=lambda cell: cell.path.count("/"), reverse=True)
    tasks = {cell.task: cell for cell in live if cell.task is not None and not cell.task.done()}
    for cell in live:
        cell.kill()
    return tasks
