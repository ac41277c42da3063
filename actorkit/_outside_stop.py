"""A stop asked from outside an actor's own task (`await ref.stop()`): it closes an idle leaf
at once, queues the stop without waiting when the caller runs inside the actor or below it,
joins a stop already queued, and otherwise waits for the actor to stop."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ._signals import Stop

if TYPE_CHECKING:
    from ._cell import Cell


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
    if task is None:
        return False
    cells = [top]
    while cells:
        cell = cells.pop()
        if cell.task is task:
            return True
        cells.extend(cell.children.values())
    return False


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
