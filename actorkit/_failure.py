"""What counts as an actor's failure, when user code (a handler, `on_start`, `on_stop`)
raises something that is not an `Exception`.

- A cancellation the runtime asked for (a stop, a forced shutdown, a cancelled `spawn`)
  is a stop, not a failure: it propagates. The runtime cancels an actor's task only through
  `Task.cancel()`, so `Task.cancelling()` tells it apart from a `CancelledError` that a
  handler merely let escape from something it awaited (a future or task cancelled by
  someone else): that one is a failure, reported to the supervisor as a `RuntimeError`
  whose `__cause__` is the `CancelledError` (re-raising a bare `CancelledError` in an asker
  would look like the asker itself being cancelled).
- `KeyboardInterrupt` and `SystemExit` belong to the program's owner: they propagate out of
  the event loop, as asyncio propagates them.
- Any other `BaseException` (a custom `class Abort(BaseException)`) is a failure like an
  `Exception`: supervised, answered to the asker, never a silent dead task.
"""

from __future__ import annotations

import asyncio


def as_failure(error: BaseException, what: str) -> BaseException:
    """The failure to report for `error`, raised by `what`; re-raises what must propagate."""
    if isinstance(error, Exception):
        return error
    if isinstance(error, asyncio.CancelledError):
        task = asyncio.current_task()
        if task is None or task.cancelling():
            raise error
        failure = RuntimeError(
            f"{what} let a CancelledError escape that the runtime did not ask for (something "
            "it awaited was cancelled by someone else); handle it, or stop the actor instead"
        )
        failure.__cause__ = error
        return failure
    if isinstance(error, KeyboardInterrupt | SystemExit):
        raise error
    return error
