"""What `ManualClock.settle` looks at to tell a quiet system from a busy one: the tasks that
can run now, and a short description of them for its error."""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._actor_task import actor_of

ASIDE: weakref.WeakSet[asyncio.Task[Any]] = weakref.WeakSet()
"""Tasks in a `settle` of their own (not an advance's): each yields every loop turn, so it
looks runnable, yet it only waits for the others to go quiet. Counted as work, two of them
(a test's and a handler's advance, or a helper's) would each wait for the other until
`SETTLE_LIMIT`."""


@contextmanager
def aside() -> Iterator[None]:
    """The running task is set aside from `runnable_tasks` while in the block."""
    task = asyncio.current_task()
    if task is None or task in ASIDE:
        yield
        return
    ASIDE.add(task)
    try:
        yield
    finally:
        ASIDE.discard(task)


def ready_queue(loop: asyncio.AbstractEventLoop) -> deque[object] | None:
    """The loop's queue of callbacks to run, when it can be read: asyncio's own loop keeps it
    as `_ready`, uvloop in C. Every task that can run has a callback there (its next step,
    or the wake-up its completed future scheduled), so an empty one tells that no task can
    run without reading any of them: a turn's cost then does not grow with idle actors."""
    ready = getattr(loop, "_ready", None)
    return ready if type(ready) is deque else None


def runnable_tasks() -> list[asyncio.Task[Any]]:
    """Tasks, other than the caller and those set `aside`, that can run now: not waiting on
    a future that is still pending (`asyncio.all_tasks` leaves the finished ones out)."""
    current = asyncio.current_task()
    runnable = []
    for task in asyncio.all_tasks():
        if task is current or task in ASIDE:
            continue
        waiter = getattr(task, "_fut_waiter", None)  # asyncio's own Task, on either loop
        if waiter is None or waiter.done():
            runnable.append(task)
    return runnable


def describe(tasks: list[asyncio.Task[Any]], shown: int = 5) -> str:
    names = [_named(task) for task in tasks[:shown]]
    more = f" and {len(tasks) - shown} more" if len(tasks) > shown else ""
    return ", ".join(names) + more if names else "no task (plain loop callbacks)"


def _named(task: asyncio.Task[Any]) -> str:
    """An actor's task by its actor's path, which the test's author knows it by: asyncio
    names each only `Task-N`, running the same coroutine as every other actor's."""
    actor = actor_of(task)
    if actor is not None:
        return f"actor {actor[0].display_path}"
    return f"{task.get_name()} ({task.get_coro()!r})"
