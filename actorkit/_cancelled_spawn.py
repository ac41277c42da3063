"""A spawn cancelled while it waited for its actor's `on_start` (an `asyncio.timeout` around
`spawn`): no caller gets the ref, so nothing of the actor is left running."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._outside_stop import awaited_at_shutdown, kill, subtree
from ._state import STARTING

if TYPE_CHECKING:
    import asyncio

    from ._cell import Cell


def spawn_cancelled(cell: Cell, task: asyncio.Task[None]) -> None:
    """`task` is the actor's own, which runs `on_start` (`Cell.start`)."""
    if cell.state is not STARTING:  # `on_start` finished (maybe it failed since):
        if not cell.closed:  # unless it stopped already, a forced stop frees the
            kill(subtree(cell))  # name now, and `on_stop`s unwind
    elif cell.instance is not None:  # still in `on_start`: the name is free at
        cell.instance = None  # once, and the task stops what `on_start` began
        cell.close(None)
        task.cancel()
        awaited_at_shutdown(task, cell)  # those children are out of the tree
    else:  # `on_start` failed: the task stops what it began, then closes the cell
        cell.free_name()
        awaited_at_shutdown(task, cell)
