"""What a stop waits on and how it is forced: the wait for a control signal carried out
(`signalled`), watching the actor's task if it has not begun; the forced stop past a timeout
(`kill`, `force_stop`); and the unwinding of actors whose task was cancelled from outside,
which such a stop and the end of `asyncio.run` do. A stop asked from outside the actor's own
task (`await ref.stop()`) builds on these (`_stop_asked`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Awaitable, Iterable
from typing import TYPE_CHECKING

from ._awaited import subtree as subtree  # where the cell finds it, with the stops
from ._begun import begun, begun_task
from ._blocked_sends import let_past
from ._loop_timer import timeout as loop_timeout
from ._shown import listed
from ._signals import Signal
from ._state import STARTING
from ._watch import hold_news, tell_held_news, unwatch_below

if TYPE_CHECKING:
    from ._cell import Cell

logger = logging.getLogger("actorkit")

FORCED_STOP_GRACE = 1.0
"""After a stop's or a shutdown's timeout, how long cancelled actors get to unwind before
being abandoned; and how long a supervisor's cut (`_cut`) waits for the task it cancelled to
let go of the handler."""


async def force_stop(cells: Iterable[Cell], what: str, why: str) -> None:
    """Close every cell now (their asks fail with `ActorStopped`, queued messages become dead
    letters), deepest first, then cancel their tasks and give them a grace to unwind; `what`
    (`shutdown of app`) and `why` (`exceeded 5.0s`) name the stop in the logs."""
    tasks = kill(cells)
    cancelled = listed([cell.display_path for cell in tasks.values()])
    logger.warning("%s %s; cancelled: %s", what, why, cancelled)
    await unwound(tasks, what)


async def unwound(tasks: dict[asyncio.Task[None], Cell], what: str) -> None:
    """Wait for cancelled actors' tasks to end, then for the `on_stop`s run apart for those
    among them that never began (`_EndedUnwound`), all within one grace; log those abandoned.
    The stop's return means every `on_stop` has run, or was reported abandoned here. The
    grace's one timer is armed before any `on_stop` runs apart, so that it falls due before
    the cut each of those gets for itself (`unwind_on_stop`): on a machine that stalls
    between reading the clock and arming a timer too, and on uvloop, whose timers due in one
    millisecond run in the order they were armed. Both deadlines are rounded alike, to the
    first millisecond uvloop's clock reads at or past them (`_loop_timer`): a cut rounded to
    the nearest one instead fell a millisecond earlier whenever a reading plus the grace came
    out a float's error above a whole millisecond. Should the cut still come first (uvloop
    may arm a timer a millisecond late), the report names that `on_stop` all the same."""
    if not tasks:
        return
    cells = set(tasks.values())
    unwinding = next(iter(cells)).runtime.unwinding
    seen: dict[asyncio.Task[None], Cell] = {}
    with contextlib.suppress(TimeoutError):
        async with loop_timeout(FORCED_STOP_GRACE):
            await asyncio.wait(tasks)
            seen = _apart(unwinding, tasks, cells)
            if seen:
                await asyncio.wait(seen)
    pending = [cell.display_path for task, cell in tasks.items() if not task.done()]
    if pending:
        logger.error("%s abandoned actors that ignored cancellation: %s", what, listed(pending))
    apart = _apart(unwinding, tasks, cells)  # an `on_stop` run apart leaves it as it ends
    # One its own cut ended ran a whole grace, begun after this one: past it too, whichever
    # timer the loop ran first (uvloop may arm one a millisecond late).
    apart.update((task, cell) for task, cell in seen.items() if task in _CUT_AT_GRACE)
    if apart:
        logger.error(
            "%s abandoned the on_stop of %s past the grace",
            what,
            listed([cell.display_path for cell in apart.values()]),
        )


_CUT_AT_GRACE: weakref.WeakSet[asyncio.Task[None]] = weakref.WeakSet()
"""The tasks whose `on_stop` its own cut ended (`unwind_on_stop`), for the report of the stop
that waited for it (`unwound`); held weakly, so that a task let go leaves it."""


def _apart(
    unwinding: dict[asyncio.Task[None], Cell],
    tasks: dict[asyncio.Task[None], Cell],
    cells: set[Cell],
) -> dict[asyncio.Task[None], Cell]:
    """The `on_stop`s run apart, and still running, for `cells` whose tasks are `tasks`."""
    return {task: cell for task, cell in unwinding.items() if cell in cells and task not in tasks}


def kill(cells: Iterable[Cell]) -> dict[asyncio.Task[None], Cell]:
    """Close every cell now, deepest first, and cancel its task: the running ones, returned
    for the caller to give a grace to unwind."""
    live = sorted(cells, key=lambda cell: cell.path.count("/"), reverse=True)
    tasks = {cell.task: cell for cell in live if cell.task is not None and not cell.task.done()}
    for task, cell in tasks.items():
        # Open, its `on_start` finished: its `on_stop` is due, or already running in the task
        # (an orderly stop or a restart that the force cuts: the instance left the cell then).
        if cell.state is not STARTING and not cell.closed:
            task.add_done_callback(_EndedUnwound(cell))
            hold_news(cell, FORCED_STOP_GRACE)  # its watchers hear of it after that
    for cell in live:
        if cell.watching:  # it stops with them: no `Terminated` of theirs, none dead-lettered
            unwatch_below(cell)
    for cell in live:
        cell.kill()
    return tasks


class _EndedUnwound:
    """Called when a killed actor's task ended: if the instance is still held, the task never
    reached its unwinding (cancelled before its first step, as a child just spawned by the
    `on_start` of a cancelled spawn is, or at the yield a task factory's first step makes),
    so `on_stop` runs in a task of its own, as `_EndedUnclosed` runs it."""

    __slots__ = ("cell",)

    def __init__(self, cell: Cell) -> None:
        self.cell = cell

    def __call__(self, task: asyncio.Task[None]) -> None:
        cell = self.cell
        if cell.task is task:
            cell.task = None
        on_stop_apart(cell)


def signalled(cell: Cell, signal: Signal) -> Awaitable[None]:
    """Post a control signal to an open cell; what to await until it is carried out. A task
    parked on its waiter future is past its first step: no look at its coroutine."""
    done: asyncio.Future[None] = cell.runtime.loop.create_future()
    signal.done = done
    mailbox = cell.mailbox
    waiter = mailbox.waiter
    mailbox.post(signal)
    if waiter is not None and waiter is not cell:
        return done
    let_past(cell)  # its handler may wait for room at the ancestor awaiting this
    return waiting_for_its_task(cell, done)


def waiting_for_its_task(cell: Cell, closed: asyncio.Future[None]) -> Awaitable[None]:
    """The wait for `closed`, answered once the cell closed (or carried out a signal),
    watching its task meanwhile if that has not begun: one cancelled before its first step
    ran none of its body and will close nothing, so `_EndedUnclosed` closes the cell when it
    ends. A task suspended in its body (busy in a handler, or parked) closes the cell itself
    however it ends (`run`), so the wait is `closed` itself: no coroutine and no callback on
    the task, which concurrent stops of thousands of busy actors pay for each. One holding a
    message (`handling`, set only by its running loop) is in its body: no walk down its awaits,
    a tenth of such a stop's bytecodes."""
    task = cell.task
    if task is None or cell.handling is not None or begun(task):
        return closed
    return _watching(cell, task, closed)


async def _watching(cell: Cell, task: asyncio.Task[None], closed: asyncio.Future[None]) -> None:
    """Until `closed`, then the `on_stop` the watch ran apart, if it did: the stop returns
    once that has ended too, as for any other actor (within the grace it is bounded by)."""
    watch = _EndedUnclosed(cell)
    task.add_done_callback(watch)
    try:
        await closed
    finally:
        watch.cell = None  # a call of it the task's end already scheduled keeps no cell alive
        task.remove_done_callback(watch)
    if watch.apart is not None:  # shielded: a caller that stops waiting does not cut it
        await asyncio.shield(watch.apart)


class _EndedUnclosed:
    """Called when an actor's task ended: if it left the cell open, it was cancelled from
    outside before its first step (the end of `asyncio.run` cancels every task at once, maybe
    one a message just made). The actor then ends as a forced stop ends one: closed with what is
    below it (its queue dead-lettered, its asks answered, its parent told), then its `on_stop`
    in a task of its own, as its task's unwinding would have run it, then its watchers told."""

    __slots__ = ("apart", "cell")

    def __init__(self, cell: Cell) -> None:
        self.cell: Cell | None = cell
        self.apart: asyncio.Task[None] | None = None
        """The task running its `on_stop`, for the stop to wait for (`_watching`)."""

    def __call__(self, task: asyncio.Task[None]) -> None:
        cell = self.cell
        if cell is None or cell.closed or cell.task is not task:
            return
        logger.warning("%s was stopped: its task was cancelled before it began", cell.display_path)
        kill(subtree(cell))
        cell.task = None
        self.apart = on_stop_apart(cell)


def on_stop_apart(cell: Cell) -> asyncio.Task[None] | None:
    """`on_stop`, if the instance is still held, in a task of its own: the actor's task ended
    without unwinding it (`_EndedUnwound`, `_EndedUnclosed`). Else none is left to wait for.
    Returns that task, if any."""
    if cell.instance is None:
        tell_held_news(cell)
        return None
    unwinding = begun_task(cell.runtime.loop, unwind_on_stop(cell))
    cell.runtime.unwinding[unwinding] = cell  # from now: a shutdown waits for it
    return unwinding


def awaited_at_shutdown(task: asyncio.Task[None], cell: Cell) -> None:
    """`task` stops what `cell` began, out of its parent's `children` (its spawn cancelled):
    below it still (`subtree`), for the parent's stop and a shutdown to wait for and force."""
    cell.runtime.cleaning(task, cell)


async def unwind_on_stop(cell: Cell) -> None:
    """`on_stop` of an actor closed while its task was cancelled (its `on_start` finished), in
    the task unwinding it, then its watchers told. Listed in `Runtime.unwinding` meanwhile, for
    a shutdown to wait for. Within the forced stop's grace: the cancellation may have been the
    only one (`asyncio.run`'s end and a forced stop's, as one); nothing else would cut it short."""
    unwinding = cell.runtime.unwinding
    task = asyncio.current_task()
    assert task is not None
    unwinding[task] = cell
    try:
        async with loop_timeout(FORCED_STOP_GRACE):  # rounded as the stop's grace is (`unwound`)
            await cell.run_on_stop()
    except TimeoutError:
        _CUT_AT_GRACE.add(task)
        logger.error("on_stop of %s was cut short past the grace", cell.display_path)
    finally:
        del unwinding[task]
        tell_held_news(cell)
