"""Which actor a task is: read off the `cell` and `started` locals of the actor's receive loop
(`_receive.run`), on the slow paths that need it (a send that finds a mailbox full, a
`settle` that names what still runs), so that no spawn pays for a mark of its own."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._cell import Cell


def actor_of(task: asyncio.Task[Any]) -> tuple[Cell, object] | None:
    """The actor whose task `task` is, with its `started` local; None for any other task."""
    frame = getattr(task.get_coro(), "cr_frame", None)  # None once ended, or not a coroutine
    if frame is None:
        return None
    held = frame.f_locals
    cell = held.get("cell")
    if getattr(cell, "task", None) is not task:  # a task factory's wrapper, a task of its own
        return None
    return cell, held.get("started")
