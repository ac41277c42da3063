"""Tasks and their first step: whether a task took it (`begun`: one cancelled before it, or
at the yield that is an actor's first step under a task factory, runs none of its body), and
tasks that always take it: what must close (actors, a store, a port) is closed by a task the
loop's end waits for, even when that end cancels it before it began."""

from __future__ import annotations

import asyncio
import types
from collections.abc import Coroutine, Generator
from typing import Any
from weakref import WeakSet

_past: WeakSet[asyncio.Task[Any]] = WeakSet()
"""The tasks past their first step whose coroutine is not a native one (a task factory's
wrapper of another kind), which `begun` cannot look into; weak, so that nobody clears it."""


@types.coroutine
def first_step() -> Generator[None, None, None]:
    """The yield that is an actor's task's first step under a task factory (`_receive.run`),
    told apart from any other wait by `begun`. A task whose coroutine `begun` cannot look
    into is noted once past it: thrown into at the yield, it never is."""
    yield
    task = asyncio.current_task()
    if task is not None and type(task.get_coro()) is not types.CoroutineType:
        _past.add(task)


def begun(task: asyncio.Task[Any]) -> bool:
    """Whether the task is past its first step. Cancelled before that step, or at the yield
    a task factory makes it, an actor's task runs none of its body: nothing would carry out
    a supervisor's `Cut`, nor close the cell (a stop's wait watches such a task). A task
    factory's coroutine that awaits the actor's (one instrumenting every task) is looked
    through; one that awaits something else first is taken for begun; one of another kind
    is asked of `first_step`'s notes."""
    awaited: object = task.get_coro()
    if type(awaited) is not types.CoroutineType:
        return task in _past
    while type(awaited) is types.CoroutineType:
        if awaited.cr_running:
            return True
        if not awaited.cr_suspended:  # made, its first step not taken
            return False
        awaited = awaited.cr_await
    return getattr(awaited, "gi_code", None) is not first_step.__code__


class _Begins(Coroutine[Any, Any, None]):
    """`body` for a task that always takes its first step. A task cancelled before its first
    step never runs its body, so no `except` or `finally` of it runs, and the end of
    `asyncio.run` cancels every task at once, maybe one just made; nor would a task started
    in its stead help, since the loop's end waits only for the tasks it cancelled. Here the
    cancellation lands at the body's first suspension instead, as if it came just after."""

    def __init__(self, body: Coroutine[Any, Any, None]) -> None:
        self._body = body
        self._begun = False

    def send(self, value: Any) -> Any:
        self._begun = True
        return self._body.send(value)

    def throw(self, error: Any, *rest: Any) -> Any:
        if not self._begun:
            self._begun = True
            first = self._body.send(None)  # its end (StopIteration) ends the task
            if isinstance(first, asyncio.Future):  # what the task's cancel would cancel
                first.cancel()
        return self._body.throw(error, *rest)

    def close(self) -> None:
        self._body.close()

    def __await__(self) -> Generator[Any, None, None]:
        return self._body.__await__()


def begun_task(
    loop: asyncio.AbstractEventLoop, body: Coroutine[Any, Any, None]
) -> asyncio.Task[None]:
    """A task running `body` that, cancelled before its first step, still runs it: what must
    close (actors, a store, a port) is closed by the task the loop's end waits for. Made as
    asyncio's default factory makes it, past a factory of the loop's own: one that wraps each
    coroutine in its own (Sentry's, a tracer's) hands that cancellation to its wrapper, which
    never starts `body`."""
    if loop.get_task_factory() is None:
        return loop.create_task(_Begins(body))
    return asyncio.Task(_Begins(body), loop=loop)
