"""Whose stop waits on whom (`waits_on` over `subtree`), and the tasks a task is waiting on,
through asyncio's own await graph: what it awaits (a task,
or a `gather`'s children). Read only
on a stop's or a shutdown's slow path, to tell that a busy handler awaits the task asking
(`await asyncio.gather(self.ref.stop())`): that stop must not wait for the handler. These
are asyncio's private attributes (`_fut_waiter`, `_GatheringFuture._children`), the graph Python
3.14 makes public as `asyncio.capture_call_graph`; on an asyncio without them nothing is
found, and such a stop waits as before. What waits on the asking task through a future of
its own (`wait_for`'s, `shield`'s) or a `TaskGroup` is read backwards from that task's done
callbacks (`waiting_on`): frames, read forwards, made each stop of a busy actor cost more than
half again (benchmarks/RESULTS.md). A mark per actor would cost every spawn instead
(benchmarks/RESULTS.md, "A deadlock fix taken back out")."""

from __future__ import annotations

import asyncio
import functools
import threading
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from ._cell import Cell
    from ._runtime import Runtime

LIMIT = 1_000
"""Tasks and futures looked at, at most: a bound on the walk, not a depth any program reaches."""


def awaited_by(owner: asyncio.Task[Any] | None) -> set[asyncio.Task[Any]]:
    """The tasks `owner` waits on, transitively: the task it awaits, or a gather's children."""
    found: set[asyncio.Task[Any]] = set()
    item: Any = None if owner is None else getattr(owner, "_fut_waiter", None)
    pending: list[Any] = []
    while item is not None and len(found) < LIMIT:
        if type(item) is _GATHERING:
            pending.extend(getattr(item, "_children", ()))
        elif isinstance(item, asyncio.Task) and item not in found:
            found.add(item)
            waiter = getattr(item, "_fut_waiter", None)
            if waiter is not None:
                pending.append(waiter)
        item = pending.pop() if pending else None
    return found


_GATHERING: Any = getattr(asyncio.tasks, "_GatheringFuture", None)


def waiting_on(task: asyncio.Task[Any]) -> set[asyncio.Task[Any]]:
    """The tasks that wait on `task`, transitively, `task` among them: read backwards, from
    the callbacks its end runs, where `awaited_by` stops at a future that no task is behind.
    A task awaiting it wakes through its own method; `wait_for` (a task of its own before
    Python 3.12), `shield`, `gather` and `asyncio.wait` release a future of theirs, held by a
    `partial` or a closure; a `TaskGroup` holds the task that leaves the group only once
    `task` has ended. Read only by a stop or shutdown that may be asked from inside."""
    found = {task}
    futures: list[Any] = [task]
    seen = 0
    while futures and seen < LIMIT:
        seen += 1
        for callback, _ in getattr(futures.pop(), "_callbacks", None) or ():
            for one in _released_by(callback):
                if one not in found and not (isinstance(one, asyncio.Task) and one.done()):
                    found.add(one)
                    futures.append(one)
    return {one for one in found if isinstance(one, asyncio.Task)}


def _released_by(callback: Any) -> Sequence[Any]:
    """The futures and tasks a done callback lets go on. Read at every stop of a busy actor
    (a `gather` of 10,000 stops reads 10,000 `gather` closures): no generator, no context
    manager per closure cell."""
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Future):
        return (owner,)
    if isinstance(owner, asyncio.TaskGroup):
        parent = getattr(owner, "_parent_task", None)
        return () if parent is None else (parent,)
    if getattr(callback, "__code__", None) is _GATHER_DONE:  # the common case: one cell read
        outer = callback.__closure__[_GATHER_OUTER].cell_contents
        return (outer,) if isinstance(outer, asyncio.Future) else ()
    if isinstance(callback, functools.partial):
        return [one for one in callback.args if isinstance(one, asyncio.Future)]
    released = []
    for cell in getattr(callback, "__closure__", None) or ():
        try:
            held = cell.cell_contents
        except ValueError:  # a cell not filled yet
            continue
        if isinstance(held, asyncio.Future):
            released.append(held)
    return released


def _gather_done() -> tuple[Any, int]:
    """The code of `gather`'s callback on each child, and the place of its `outer` cell (the
    future it releases): read by name from this Python's `gather`. Where it differs (one in
    C too), a code no callback has, not None: that is what `_released_by` reads from a
    callback with no `__code__` (a `partial`, as `wait_for` leaves), which has no closure."""
    for code in getattr(getattr(asyncio.tasks.gather, "__code__", None), "co_consts", ()):
        if getattr(code, "co_name", None) == "_done_callback" and "outer" in code.co_freevars:
            return code, code.co_freevars.index("outer")
    return object(), 0


_GATHER_DONE, _GATHER_OUTER = _gather_done()
_STARTED: weakref.WeakSet[Runtime] = weakref.WeakSet()
_STARTING = threading.Lock()  # systems on loops of other threads start at the same time


def shared_stops(runtime: Runtime) -> dict[asyncio.Task[Any], dict[Cell, int]]:
    """The tasks awaiting a stop, for `runtime` as it starts on its loop: the same map as
    every other system's there. A stop is filed under its target's system, and a ring of
    them may run through several (a handler stopping another system's actor, whose handler
    stops it back): found in one system's map alone, that ring waited for ever. Shared by
    the runtimes only, held here weakly: it ends with the last of them."""
    with _STARTING:
        shared = next(
            (other.awaiting_stops for other in _STARTED if other.loop is runtime.loop),
            runtime.awaiting_stops,
        )
        _STARTED.add(runtime)
    return shared


def eager_steps(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether a task's first step may run inside another's (`stepping`): only a task factory
    of the loop's makes one so (Python 3.12's `eager_task_factory`), so without one no stop
    pays for the look."""
    return loop.get_task_factory() is not None


def stepping(task: asyncio.Task[Any] | None) -> bool:
    """Whether `task`'s step is under way: it is the running task, or one whose step the
    running one is nested in. An eager task factory runs a new task's first step inside
    `create_task`, so a stop asked there is asked from inside the step of the task that made
    it (a handler's, which awaits the new task only once that step is over): the await graph
    cannot show it yet. A coroutine of another kind is not looked into."""
    return task is not None and getattr(task.get_coro(), "cr_running", False) is True


def ours(one: asyncio.Task[Any] | None, task: asyncio.Task[Any], eager: bool) -> bool:
    """Whether `one` is the running `task`, or (`eager`: `eager_steps`) one whose step it runs
    nested in."""
    return one is task or (eager and stepping(one))


def waits_on(top: Cell, task: asyncio.Task[Any], waiting: set[asyncio.Task[Any]]) -> bool:
    """Whether `top`'s stop would wait on `task` (or on one of the tasks `waiting` on it): it
    runs `top` or an actor below it, or one of those is awaiting the stop of another actor
    whose stop waits on `task` in turn (two handlers stopping each other, or a longer ring).
    OTP's `gen_server:stop` deadlocks there; Akka's asynchronous stop cannot. A walk of the
    subtrees, paid only by a stop that is not of an idle leaf, whose own cost is the
    subtree's."""
    awaiting = top.runtime.awaiting_stops
    eager = eager_steps(top.runtime.loop)
    if not top.children and not top.runtime.cleaning_below:  # a leaf: its subtree is itself
        if top.task in waiting or (eager and stepping(top.task)):
            return True
        tasks = awaited_by(top.task) if busy(top) else set()  # and what its handler awaits
        if task in tasks or (eager and any(map(stepping, tasks))):
            return True
        if top.task not in awaiting and not any(t in awaiting for t in tasks):
            return False  # awaiting no stop: no ring through it
    seen = {top}
    tops = [top]
    while tops:
        for cell in subtree(tops.pop()):
            if cell.task is None:
                continue
            if cell.task in waiting:
                return True
            for one in (cell.task, *awaited_by(cell.task)) if busy(cell) else (cell.task,):
                if one is task or (eager and stepping(one)):
                    return True
                for waited in awaiting.get(one, ()) if awaiting else ():
                    if waited not in seen:
                        seen.add(waited)
                        tops.append(waited)
    return False


def in_an_actor(root: Cell) -> bool:
    """Whether the running task is an actor's: one in the tree, one a busy actor's handler
    awaits (`awaited_by`, `waiting_on`), or one running the `on_stop` of an actor closed
    while its task was cancelled (`unwind_on_stop`)."""
    task = asyncio.current_task()
    if task in root.runtime.unwinding or holds_current_task(root):
        return True
    if task is None:
        return False
    eager, waiting = eager_steps(root.runtime.loop), waiting_on(task)
    return any(
        busy(cell)
        and (cell.task in waiting or any(ours(one, task, eager) for one in awaited_by(cell.task)))
        for cell in subtree(root)
    )


def holds_current_task(top: Cell) -> bool:
    """Whether the running task is `top`'s, or that of an actor below it. A walk of the
    subtree, paid only by a stop from inside (whose own cost is the subtree's)."""
    task = asyncio.current_task()
    eager = eager_steps(top.runtime.loop)
    return task is not None and any(ours(cell.task, task, eager) for cell in subtree(top))


def busy(cell: Cell) -> bool:
    """In a hook or handler: its task may be awaiting tasks it started (parked, it awaits none)."""
    return cell.task is not None and cell.mailbox.waiter is None


def subtree(top: Cell) -> Iterator[Cell]:
    """`top` and all below it, children of a cancelled spawn too (`awaited_at_shutdown`), in no
    order; a loop over a stack, not recursion, so any depth walks in constant stack."""
    unwinding, below = top.runtime.unwinding, top.runtime.cleaning_below
    cells = [top]
    while cells:
        cell = cells.pop()
        yield cell
        cells.extend(cell.children.values())
        if below and cell in below:
            cells.extend(c for c in unwinding.values() if c.parent is cell)
