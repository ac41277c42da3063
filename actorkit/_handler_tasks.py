"""The actor a task acts for. The tasks a handler starts (`asyncio.gather`, a `TaskGroup`,
`create_task`) run in copies of the context of the actor's task, so they carry its mark: a
stop one of them asks of that actor, or of an actor above it, would wait for the handler
that awaits the task, so `ref.stop()` queues it and returns, as it does one asked from the
handler itself (`_outside_stop`)."""

from __future__ import annotations

import asyncio
import weakref
from contextvars import ContextVar
from typing import Any

_actor_task: ContextVar[weakref.ref[asyncio.Task[Any]] | None] = ContextVar(
    "actorkit_actor_task", default=None
)
"""A weak reference: the contexts that timers, callbacks and leftover tasks copy must not keep
a stopped actor's task (and its instance) alive."""


def mark_actor_task(task: asyncio.Task[Any]) -> None:
    """In the actor's own task, as it starts: what its hooks and handlers start inherits it,
    and an actor spawned there replaces it with its own as its task starts."""
    _actor_task.set(weakref.ref(task))


def acting_for(task: asyncio.Task[Any]) -> tuple[asyncio.Task[Any], ...]:
    """`task`, and the actor's task it was started from if that is another."""
    ref = _actor_task.get()
    owner = None if ref is None else ref()
    return (task,) if owner is None or owner is task else (task, owner)
