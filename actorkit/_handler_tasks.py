"""The actor a task acts for. The tasks a hook or handler starts (`asyncio.gather`, a
`TaskGroup`, `create_task`) run in copies of the context of the actor's task, so they carry
its mark: while that actor is busy (in a hook or handler, which may be awaiting the task), a
stop one of them asks of it, or of an actor above it, would wait for that handler, so
`ref.stop()` queues it and returns, as it does one asked from the handler itself; and
`shutdown()` returns at once (`_outside_stop`). While the actor is parked, it awaits none of
its tasks, and their stops wait as any caller's do."""

from __future__ import annotations

import asyncio
import weakref
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._cell import Cell
    from ._ref import ActorRef

_actor: ContextVar[weakref.ref[ActorRef] | None] = ContextVar("actorkit_actor", default=None)
"""A weak reference: the contexts that timers, callbacks and leftover tasks copy must not keep
a stopped actor alive. Its ref's, which has room for one (a cell has none)."""


def mark_actor_task(cell: Cell) -> None:
    """In the actor's own task, as it starts: what its hooks and handlers start inherits it,
    and an actor spawned there replaces it with its own as its task starts."""
    _actor.set(weakref.ref(cell.ref))


def acting_for(task: asyncio.Task[Any]) -> tuple[asyncio.Task[Any], ...]:
    """`task`, and the task of the actor it was started from if that is another and busy."""
    marked = _actor.get()
    actor = None if marked is None else marked()
    if actor is None:
        return (task,)
    cell = actor._cell
    owner = cell.task
    if owner is None or owner is task or cell.mailbox.waiter is not None:  # parked
        return (task,)
    return (task, owner)
