"""Stopping a whole system: an orderly stop that drains mailboxes until a deadline, then a
forced stop of whatever is left. Never raises for slowness, never hangs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING

from ._awaited import subtree
from ._begun import begun_task
from ._errors import SystemFailed, system_stopped
from ._loop_timer import call_at
from ._outside_stop import kill, unwound
from ._shielded import shielded
from ._shown import listed, shown, traced
from ._signals import Stop

if TYPE_CHECKING:
    from ._cell import Cell
    from ._runtime import Runtime
    from ._system import ActorSystem

logger = logging.getLogger("actorkit")


class ActorsStop:
    """The one stop of a whole tree: children before parents in reverse start order, each
    draining its mailbox; at the deadline, cancel what is left. Then end the runtime's timers
    and deadlines.

    Several callers may want it (a root failure, then `shutdown(timeout)`, maybe more than
    once), each with its own timeout, but the tree can only be stopped once. So the deadline
    only ever moves earlier: no caller waits past its own timeout (plus the forced stop's
    grace), and none gives a stuck actor more time than an earlier one allowed.
    Deadlines are the loop's real time, not the runtime's clock: a manual clock must not be
    able to keep a shutdown from ending."""

    def __init__(self, runtime: Runtime, root: Cell, timeout: float) -> None:
        loop = runtime.loop
        self._runtime = runtime
        self._root = root
        self._orderly = loop.create_task(root.call(Stop(None, drain=True)))
        self._due: asyncio.Future[None] = loop.create_future()
        self._timeout = timeout
        self._deadline = loop.time() + timeout
        self._timer = call_at(loop, self._deadline, self._expire)
        self.task = begun_task(loop, self._run())

    def hasten(self, timeout: float) -> None:
        """Force the stop `timeout` from now, unless it is due sooner or already over."""
        loop = self._runtime.loop
        deadline = loop.time() + timeout
        if deadline >= self._deadline or self._due.done() or self.task.done():
            return
        self._timer.cancel()
        self._timeout, self._deadline = timeout, deadline
        self._timer = call_at(loop, deadline, self._expire)

    async def finish(self) -> None:
        """Wait for the stop to end. A waiter cancelled meanwhile (the end of `asyncio.run`)
        forces it now, and still waits for that, within the grace, before it ends
        cancelled: what closes after the actors must not close under their `on_stop`."""
        try:
            await asyncio.shield(self.task)
        except asyncio.CancelledError:
            self.hasten(0.0)
            await asyncio.wait((self.task,))
            raise

    def _expire(self) -> None:
        self._due.set_result(None)

    async def _run(self) -> None:
        """Cancelled (`asyncio.run` ending the loop cancels every task left), it forces the
        stop at once rather than leave the actors to whatever their own cancellation does,
        then ends cancelled."""
        runtime = self._runtime
        cancelled = False
        try:
            await asyncio.wait({self._orderly, self._due}, return_when=asyncio.FIRST_COMPLETED)
            await self._out_of_the_tree()
        except asyncio.CancelledError:
            cancelled = True
        finally:
            self._timer.cancel()
        orderly = self._orderly
        cancelled_now: dict[asyncio.Task[None], Cell] = {}
        left = self._left()
        if (
            not orderly.done()
            or orderly.cancelled()  # cancelled with the rest: no stop
            or any(not cell.closed for cell in left)  # out of the tree, and still open
        ):
            orderly.cancel()
            why = (
                "was cut short (its task was cancelled)"
                if cancelled or orderly.cancelled()
                else f"exceeded {self._timeout}s"
            )
            cancelled_now = kill([*left, self._root])
            shown_paths = listed([c.display_path for c in cancelled_now.values()])
            logger.warning("shutdown of %s %s; cancelled: %s", runtime.name, why, shown_paths)
        # Actors closed by a cancellation of their task from outside (not by this stop) may
        # still run their `on_stop`, which must not find the store closed under it. One grace
        # for them and the actors cancelled now: an actor cut in a handler runs its `on_stop`
        # in its task, in both, and is waited for (and abandoned) once.
        await unwound({**cancelled_now, **runtime.unwinding}, f"shutdown of {runtime.name}")
        self._release()
        if cancelled:
            raise asyncio.CancelledError

    async def _out_of_the_tree(self) -> None:
        """The tree has stopped; what its stop did not wait for has until the deadline too:
        the `on_stop`s unwinding in cancelled tasks, and the task of a spawn cancelled in or
        after a failed `on_start` (out of the tree at once, stopping the children `on_start`
        began) whose parent had stopped before it could wait for them. Past the deadline, the
        forced stop cancels those children, as it does what is left in the tree."""
        unwinding = self._runtime.unwinding
        orderly, due = self._orderly, self._due
        while orderly.done() and not orderly.cancelled() and not due.done():
            running = [task for task in unwinding if not task.done()]
            if not running:
                return
            await asyncio.wait({*running, due}, return_when=asyncio.FIRST_COMPLETED)

    def _left(self) -> list[Cell]:
        """What a forced stop cancels: every registered actor, and the children that the
        tasks of cancelled spawns still stop (out of the tree and of the registry by path)."""
        runtime = self._runtime
        below = [c for cell in runtime.unwinding.values() for c in subtree(cell) if c is not cell]
        if not below:  # the common case, a mass shutdown's too: no copy of a million cells
            return runtime.cells()
        return list(dict.fromkeys([*runtime.cells(), *below]))

    def _release(self) -> None:
        """What the actors held of the runtime ends with them: deadlines, timers, the clock."""
        runtime = self._runtime
        runtime.ask_deadlines.close(system_stopped(runtime.name))
        runtime.timers.close()
        runtime.clock.detach(runtime.is_idle)


async def every_step(steps: Iterator[Awaitable[object]]) -> None:
    """Each step in turn, each within its own bound, and all of them even when one fails or
    this task is cancelled: `asyncio.run` cancels every task still running once its main one
    ends (Ctrl-C during a shutdown), and a listening port, a NATS connection or a store must
    not outlive the loop, nor a step that failed. Then it ends cancelled, or with the first
    step's failure (the later ones are logged)."""
    cancelled = False
    failure: Exception | None = None
    for step in steps:
        try:
            await step
        except asyncio.CancelledError:
            cancelled = True
        except Exception as error:
            if failure is None:
                failure = error
            else:
                logger.error(
                    "a shutdown step also failed: %s", shown(error), exc_info=traced(error)
                )
    if cancelled:
        if failure is not None:
            logger.error("a shutdown step failed: %s", shown(failure), exc_info=traced(failure))
        raise asyncio.CancelledError
    if failure is not None:
        raise failure


async def as_step(call: Callable[[], object]) -> None:
    """A plain call as a step of `every_step`: made in the steps' generator itself, its
    failure would end the generator, and every step after it would never run."""
    call()


async def closing_after_failure(shutdown: Awaitable[None], name: str) -> None:
    """The shutdown after a failure (a start that failed, an error leaving `async with`):
    the caller gets that failure, so one to close what had started is logged instead of
    raised over it. Shielded from an anyio cancel scope (the failure may be its
    cancellation), which would cut the wait short and leave what had started open."""
    try:
        with shielded():
            await shutdown
    except Exception as error:
        logger.error(
            "closing %s after a failure also failed: %s", name, shown(error), exc_info=traced(error)
        )


async def leaving(system: ActorSystem, left_with: object) -> SystemFailed | None:
    """The shutdown that leaving `async with` waits for, then what the exit raises for a
    root failure. Waited for whole even when an anyio cancel scope left the block: the scope
    would cancel the wait again at once, and its host go on while the actors still run; its
    cancellation goes on once the system is down. After an error, a failure to close is
    logged rather than raised over it. A native cancellation (a `TaskGroup`'s, an
    `asyncio.timeout`, Ctrl-C), which the anyio shield lets in, forces what is left and waits
    for that within the forced stop's grace, as a `TaskGroup` cancels its children and waits:
    the block is never left with the actors still running."""
    shutdown = system.shutdown()
    with shielded():
        try:
            await (shutdown if left_with is None else closing_after_failure(shutdown, system.name))
        except asyncio.CancelledError:
            await closing_after_failure(system.shutdown(timeout=0), system.name)
            raise
    return failed_on_exit(system.name, system.failure, left_with)


def failed_on_exit(
    name: str, failure: BaseException | None, left_with: object
) -> SystemFailed | None:
    """What leaving `async with` raises for a root failure. An exit leaving the block
    (`KeyboardInterrupt`, `SystemExit`, a cancellation) goes on as it is, as a `TaskGroup` lets
    one through: as `SystemFailed` it would change the exit status, or hide a cancellation
    from `asyncio.timeout`. The failure was logged when it came."""
    if failure is None or not isinstance(left_with, Exception | None):
        return None
    return SystemFailed(f"actor system {name!r} failed: {shown(failure)}")
