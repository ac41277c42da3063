"""`TaskHandle.cancel`: a task withdrawn by its submitter, pending or dispatched.

Cancelling a pending task is the common case, and often comes in bulk (a batch given up,
a user's work withdrawn): its path builds no `TaskCancelled` (the handle builds it for its
first reader, as asyncio builds a cancelled future's `CancelledError`) and leaves the index
an entry it drops in O(1); the rest is what any end of a task does (`TaskLayer._finish`).
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
        layer._finish(handle, CANCELLED, layer._runtime.clock.now(), None, UNBUILT_CANCELLED)
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
