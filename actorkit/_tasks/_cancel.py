"""`TaskHandle.cancel`: a task withdrawn by its submitter, pending or dispatched.

Cancelling a pending task is the common case, and often comes in bulk (a batch given up,
a user's work withdrawn): its path does only what a task that never ran needs. It builds no
`TaskCancelled` (the handle builds it for its first reader, as asyncio builds a cancelled
future's `CancelledError`), sets no result, agent or traceback, and leaves the index an
entry it drops in O(1). What it counts is what any end of a task counts: the status total,
the submit-to-finish histogram, the deadline dropped and the waiters woken.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._failures import UNBUILT_CANCELLED
from ._handle import CANCELLED, FAILED, PENDING, RUNNING
from ._handover import ran, unreported_failure

if TYPE_CHECKING:
    from ._handle import TaskHandle
    from ._layer import TaskLayer


def cancel(layer: TaskLayer, handle: TaskHandle) -> bool:
    """`TaskLayer.cancel`. A running agent is not interrupted: its outcome is discarded."""
    status = handle._status
    if status is PENDING:
        layer._pending.remove(handle)
        now = layer._runtime.clock.now()
        layer.finished[CANCELLED] += 1
        if layer.durations is not None:
            layer.durations.record(now - handle._submitted_at)
        handle._status = CANCELLED
        handle._finished_at = now
        handle._error = UNBUILT_CANCELLED
        if handle._timer is not None:
            handle._drop_deadline()
        if handle._waiters:
            for waiter in handle._waiters:
                if not waiter.done():
                    waiter.set_result(None)
        return True
    if status is not RUNNING:
        return False
    agent = handle._agent
    now = layer._runtime.clock.now()
    if agent is not None:
        failure = unreported_failure(agent)
        if failure is not None and ran(failure) and not handle._retries_left:
            # Its last attempt failed before this cancel: the first outcome stands, and
            # its report, due next, is discarded as a cancelled task's would be.
            layer._finish(handle, FAILED, now, None, failure)
            return False
    layer._finish(handle, CANCELLED, now, None, UNBUILT_CANCELLED)
    if agent is not None:
        # Not yet picked up: take it back, so the agent never sees it and is free (maybe
        # with the next task) before the awaiters, woken on the next loop turn, look.
        layer._withdraw(agent)
    return True
