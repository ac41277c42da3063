"""What counts as an actor's failure, when user code (a handler, `on_start`, `on_stop`)
raises something that is not an `Exception`.

- A cancellation the runtime asked for (a stop, a forced shutdown, a cancelled `spawn`)
  is a stop, not a failure: it propagates. The runtime cancels an actor's task only through
  `Task.cancel()`, so `Task.cancelling()` tells it apart from a `CancelledError` that a
  handler merely let escape from something it awaited (a future or task cancelled by
  someone else): that one is a failure, reported to the supervisor as a `RuntimeError`
  whose `__cause__` is the `CancelledError` (re-raising a bare `CancelledError` in an asker
  would look like the asker itself being cancelled). One raised by a hook that is called,
  not awaited (a pool's `hash_key`), is always a failure: no cancellation lands there.
- `KeyboardInterrupt` and `SystemExit` belong to the program's owner. Let out of the actor's
  task, asyncio would stop the loop at once, and `asyncio.run` would then cancel every task:
  no actor's `on_stop` would run, and the task's exception would be reported as never
  retrieved. So the runtime keeps it (`Runtime.exit`): the system shuts down in order, as
  at the end of `async with`, and then the error leaves the event loop, from a callback, as
  asyncio lets one leave (`hand_over`). Meanwhile the handler's asker gets `ActorStopped`,
  and nothing is restarted.
- A `BaseExceptionGroup` holding one of those exits, at any depth, is that exit, as
  `asyncio.TaskGroup` raises a child's exit bare rather than in its group: the owner gets the
  first one found (a group is no exit asyncio would let out of the loop), the asker
  `ActorStopped` caused by the whole group. One holding only cancellations, raised while the
  runtime's cancellation is under way, is that cancellation (a handler that wrapped it).
  Any other group is a failure as it is: no asker takes it for its own cancellation.
- A `StopIteration` from a plain call (`hash_key`, a factory) is a `RuntimeError` caused by
  it, as PEP 479 makes one leaving a coroutine: a future refuses it (a `TypeError` from
  `set_exception` on Python 3.11), which would fail the runtime's step that answers.
- Any other `BaseException` (a custom `class Abort(BaseException)`) is a failure like an
  `Exception`: supervised, answered to the asker, never a silent dead task.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

from ._errors import ActorStopped
from ._loop_end import closed_from_outside

if TYPE_CHECKING:
    from ._cell import Cell
    from ._runtime import Runtime

UNWIND_BOUND = 1.0
"""How long an exit waits for the tasks a cancelled shutdown left unwinding: the forced
stop's grace (`FORCED_STOP_GRACE`), which bounds each actor's `on_stop` there."""


def as_failure(
    error: BaseException, what: str, runtime: Runtime, *, called: bool = False
) -> BaseException:
    """The failure to report for `error`, raised by `what`; re-raises what must propagate.
    `called`: `what` was called, not awaited (a pool's `hash_key`), so a `CancelledError`
    it raised is its own even in a task being cancelled, whose cancellation is delivered
    only at an await: re-raised, it would cut short what called it (a member's close, its
    asks after that one never routed again, its stop never answered)."""
    if isinstance(error, Exception):
        if isinstance(error, StopIteration):  # from a plain call: a coroutine's is one already
            failure = RuntimeError(f"{what} raised StopIteration")
            failure.__cause__ = error
            return failure
        return error
    if isinstance(error, GeneratorExit) and not called and closed_from_outside(runtime.loop):
        raise error
    if isinstance(error, asyncio.CancelledError):
        task = asyncio.current_task()
        if not called and (task is None or task.cancelling()):
            raise error
        failure = RuntimeError(
            f"{what} let a CancelledError escape that the runtime did not ask for (something "
            "it awaited was cancelled by someone else); handle it, or stop the actor instead"
        )
        failure.__cause__ = error
        return failure
    if isinstance(error, KeyboardInterrupt | SystemExit):
        return _exiting(error, error, what, runtime)
    if isinstance(error, BaseExceptionGroup):
        leaves = leaves_of(error)
        exit = _first_exit(leaves)
        if exit is not None:
            return _exiting(exit, error, what, runtime)
        if not called and all(isinstance(leaf, asyncio.CancelledError) for leaf in leaves):
            task = asyncio.current_task()
            if task is None or task.cancelling():
                raise asyncio.CancelledError(*leaves[0].args) from error
    return error


STALE_CANCELLATIONS = sys.version_info < (3, 13)
"""`asyncio.TaskGroup` before Python 3.13 cancels its parent task when a child fails once
the body has ended, and never uncancels it: the count stays on the task for good."""


def as_handler_failure(error: BaseException, cell: Cell) -> BaseException:
    """`as_failure` for what a handler of `cell` raised. A cancellation count its actor's task
    still holds after a handler failed with anything but a cancellation is not the runtime's,
    which closes a cell before it cancels its task (`closed`), or else is a supervisor's cut
    (`_cut`), whose end needs no count: a failed `TaskGroup` left it
    (`STALE_CANCELLATIONS`), or the handler swallowed a cancellation from outside. It is
    taken back, since the actor goes on (one task for its life): kept, a `CancelledError` its
    handler lets escape later would read as a cancellation of its task, and the actor would
    stop with no failure reported. A handler runs in `cell.task`, read rather than asked for
    (`current_task` is Python code on 3.11); the actor's name is spelled out only for the
    failures whose words quote it, not for a plain `Exception`, reported as it is."""
    if (
        STALE_CANCELLATIONS
        and not cell.closed
        and not isinstance(error, asyncio.CancelledError)
        and (isinstance(error, Exception) or not isinstance(error, BaseExceptionGroup))
    ):
        task = cell.task
        while task is not None and task.cancelling():
            task.uncancel()
    if isinstance(error, Exception) and not isinstance(error, StopIteration):
        return error  # `as_failure`'s own first answer
    return as_failure(error, f"receive of {cell.display_path}", cell.runtime)


def _exiting(
    exit: BaseException, error: BaseException, what: str, runtime: Runtime
) -> ActorStopped:
    """`exit` is handed to the owner (`Runtime.exit`); the asker gets `ActorStopped`, caused
    by `error`, which raised it (the exit itself, or a group holding it)."""
    runtime.exit(exit)
    raised = type(exit).__name__
    if error is not exit:
        raised = f"{raised} in a {type(error).__name__}"
    stopped = ActorStopped(
        f"{what} raised {raised}: the actor system shuts down, then raises it to the "
        "program's owner"
    )
    stopped.__cause__ = error
    return stopped


def leaves_of(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    """The exceptions of `group` and of the groups in it, depth first in their order. Walked
    without recursion, and through `BaseExceptionGroup`'s own slot: a group nested past the
    recursion limit, or a subclass whose `exceptions` raises, must not fail the runtime's
    handling of the failure. A group shared by two branches is walked once."""
    found: list[BaseException] = []
    seen: set[int] = set()
    stack: list[BaseException] = [group]
    while stack:
        error = stack.pop()
        if isinstance(error, BaseExceptionGroup):
            if id(error) not in seen:
                seen.add(id(error))
                stack.extend(reversed(_EXCEPTIONS.__get__(error)))
        else:
            found.append(error)
    return found


_EXCEPTIONS = BaseExceptionGroup.exceptions


def exit_in(error: BaseException) -> BaseException | None:
    """The `KeyboardInterrupt` or `SystemExit` that `error` is: itself, or the first one a
    group holds, at any depth (the owner's to get, above); else None."""
    if isinstance(error, KeyboardInterrupt | SystemExit):
        return error
    if isinstance(error, BaseExceptionGroup):
        return _first_exit(leaves_of(error))
    return None


def _first_exit(leaves: list[BaseException]) -> BaseException | None:
    """The `KeyboardInterrupt` or `SystemExit` among a group's leaves that the owner gets."""
    return next((leaf for leaf in leaves if isinstance(leaf, KeyboardInterrupt | SystemExit)), None)


def key_failure(pool: Cell, error: BaseException) -> BaseException:
    """What a pool's `hash_key` raised, as the failure it is (`as_failure`). A sender gets a
    `CancelledError` as a `RuntimeError` caused by it, as an asker gets a handler's: no
    cancellation lands in a plain call, and a bare one would end the sender's task as
    cancelled (a `TaskGroup` would drop the error)."""
    return as_failure(error, f"hash_key of pool {pool.path}", pool.runtime, called=True)


def contained(error: BaseException, what: str, runtime: Runtime) -> BaseException:
    """The failure of a plain call the runtime makes to user code outside any actor, such
    as a metrics source, to log and go on past (`as_failure`, `called`). A `GeneratorExit`
    is its caller's generator being closed, and goes on; so does an exit raised in another
    thread (a registry scraped there), whose owner it is: only the loop's can shut down."""
    if isinstance(error, GeneratorExit):
        raise error
    if exit_in(error) is not None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise error from None
    return as_failure(error, what, runtime, called=True)


def hand_over(
    error: BaseException, runtime: Runtime, shutdown: asyncio.Task[None], until: float | None = None
) -> None:
    """Called back when the system has shut down: raised from a loop callback, `error`
    leaves the event loop (asyncio and uvloop let a `KeyboardInterrupt` or `SystemExit` out
    of one), and the owner's `asyncio.run` or `run_until_complete` raises it.

    A shutdown that ended cancelled was cut short by `asyncio.run` cancelling every task, the
    owner's coroutine having returned first. Raised at once, the error would leave the loop
    while actors' tasks still unwind, then closed by the collector outside any loop (each
    reported as an exception ignored); so it waits for every task to end, for up to
    `UNWIND_BOUND` seconds (one that never ends is the owner's, not the runtime's).

    An owner that waited for the shutdown (`async with`, `await system.shutdown()`) got the
    error there (`Runtime.exit_handed`), and it is not raised again."""
    if runtime.exit_handed:
        if not shutdown.cancelled():
            shutdown.exception()
        return
    if not shutdown.cancelled():
        shutdown.exception()  # retrieved, so nothing is reported as never retrieved
        runtime.exit_handed = True
        raise error
    loop = shutdown.get_loop()
    until = loop.time() + UNWIND_BOUND if until is None else until
    if loop.time() < until and any(not task.done() for task in asyncio.all_tasks(loop)):
        loop.call_soon(hand_over, error, runtime, shutdown, until)
        return
    runtime.exit_handed = True
    raise error
